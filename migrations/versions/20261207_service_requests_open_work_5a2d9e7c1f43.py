"""service_requests: partial indexes of a dealer's open work, by dealer and by receiving dealer
(the dealer's home page counts and the overdue filter read the entries with a deadline
running, not every entry the dealer ever had)

Revision ID: 5a2d9e7c1f43
Revises: 8e4b1c7d2a50
Create Date: 2026-12-07 18:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '5a2d9e7c1f43'
down_revision = '8e4b1c7d2a50'
branch_labels = None
depends_on = None

OPEN_WORK_SQL = "status IN ('new', 'routed', 'arranged')"  # as portal/service/models.py then


INDEXES = (('ix_service_requests_open_dealer', 'dealer_id'),
           ('ix_service_requests_open_received_by', 'received_by_dealer_id'))


def upgrade():
    for name, column in INDEXES:
        op.create_index(name, 'service_requests', [column, 'status'], unique=False,
                        sqlite_where=sa.text(OPEN_WORK_SQL),
                        postgresql_where=sa.text(OPEN_WORK_SQL))
    if op.get_bind().dialect.name == 'sqlite':  # statistics for the planner, these indexes only
        for name, _column in INDEXES:
            op.execute(f'ANALYZE {name}')


def downgrade():
    for name, _column in INDEXES:
        op.drop_index(name, table_name='service_requests')
