"""the parts-to-judge index in the queue's order: (status, verdict, received_on, id)

The technical department's queue of received parts waiting for a verdict lists them oldest
first (portal/returns/queues.py JUDGE). The index led with the dealer after the status, so
every page sorted all the parts waiting; in the queue's order, a page and the queue's count
are read from the index alone. No dealer-filtered query of this queue remains (it is head
office's).

Revision ID: 9a4c2e7b1d53
Revises: 5e2b8c4f7a10
Create Date: 2026-12-07 02:30:00
"""
from alembic import op

revision = '9a4c2e7b1d53'
down_revision = '5e2b8c4f7a10'
branch_labels = None
depends_on = None

NAME = 'ix_owed_parts_to_judge'


def _replace(columns):
    with op.batch_alter_table('owed_parts', schema=None) as batch_op:
        batch_op.drop_index(NAME)
        batch_op.create_index(NAME, columns, unique=False)
    if op.get_bind().dialect.name == 'sqlite':  # statistics for the planner, this index only
        op.execute(f'ANALYZE {NAME}')


def upgrade():
    _replace(['status', 'verdict', 'received_on', 'id'])


def downgrade():
    _replace(['status', 'verdict', 'dealer_id', 'received_on'])
