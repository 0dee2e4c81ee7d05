"""scorecard snapshots keep each trend month's score

The ranked table draws every dealer's score over the last 12 months: it rebuilt and scored
twelve months of figures a row on every request. The refresh now keeps the scores beside the
figures; snapshots made before it have none until the next refresh, and a page scores their
trend itself meanwhile.

Revision ID: 6d3f1b8e2c47
Revises: a4c81e5f2d07
Create Date: 2026-12-07 21:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '6d3f1b8e2c47'
down_revision = 'a4c81e5f2d07'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('scorecard_snapshots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scores', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('scorecard_snapshots', schema=None) as batch_op:
        batch_op.drop_column('scores')
