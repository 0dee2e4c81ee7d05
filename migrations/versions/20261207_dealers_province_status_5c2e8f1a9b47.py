"""dealers: the province index also holds the status

The clerk's home counts the dealers per province and status on every request; with the status
in the index it reads the index alone, not every dealer's row.

Revision ID: 5c2e8f1a9b47
Revises: 9e4b1c7d2a58
Create Date: 2026-12-07 19:10:00
"""
from alembic import op

revision = '5c2e8f1a9b47'
down_revision = '9e4b1c7d2a58'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_dealers_province_status', 'dealers', ['province', 'status'])
    op.drop_index('ix_dealers_province', table_name='dealers')
    # SQLite's planner takes an index without statistics for the most selective one (a
    # dealer's claims list sorted all its claims by this index): give it its own.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ANALYZE ix_dealers_province_status')


def downgrade():
    op.create_index('ix_dealers_province', 'dealers', ['province'])
    op.drop_index('ix_dealers_province_status', table_name='dealers')
