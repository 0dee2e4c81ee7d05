"""the days a repair record waited for parts (claims.parts_waited_from / parts_waited_to)

They extend the unit's warranty clocks like the days in the workshop, each day once.

Revision ID: 8b1e4d6a2c97
Revises: 3f7a2c9e5b18
Create Date: 2026-12-07 05:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '8b1e4d6a2c97'
down_revision = '3f7a2c9e5b18'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('claims') as batch:
        batch.add_column(sa.Column('parts_waited_from', sa.Date(), nullable=True))
        batch.add_column(sa.Column('parts_waited_to', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('claims') as batch:
        batch.drop_column('parts_waited_to')
        batch.drop_column('parts_waited_from')
