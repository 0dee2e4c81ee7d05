"""return_shipments: a partial index of the shipments still to receive, by (shipped_on, id) —
the receiving queue walks it in order and stops at a page, instead of sorting every shipment
on its way or being received

Revision ID: 9c2f5a7e4b18
Revises: 6b1e4d8a3c57
Create Date: 2026-12-08 04:15:00
"""
import sqlalchemy as sa
from alembic import op

revision = '9c2f5a7e4b18'
down_revision = '6b1e4d8a3c57'
branch_labels = None
depends_on = None

OPEN_SQL = "status IN ('shipped', 'receiving')"  # as portal/returns/models.py then
NAME = 'ix_return_shipments_open_shipped'


def upgrade():
    op.create_index(NAME, 'return_shipments', ['shipped_on', 'id'], unique=False,
                    sqlite_where=sa.text(OPEN_SQL), postgresql_where=sa.text(OPEN_SQL))
    if op.get_bind().dialect.name == 'sqlite':  # statistics for the planner, this index only
        op.execute(f'ANALYZE {NAME}')


def downgrade():
    op.drop_index(NAME, table_name='return_shipments')
