"""notice_runs.executor: the one execution of a run at a time (a run queued twice runs once)

Revision ID: 2d8f6a1b9c35
Revises: 7b3e9d2c4a61
Create Date: 2026-12-07 15:15:00
"""
import sqlalchemy as sa
from alembic import op

revision = '2d8f6a1b9c35'
down_revision = '7b3e9d2c4a61'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notice_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('executor', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('notice_runs', schema=None) as batch_op:
        batch_op.drop_column('executor')
