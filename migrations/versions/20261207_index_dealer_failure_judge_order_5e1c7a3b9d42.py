"""claims: index on (dealer_id, failure_date); owed_parts: the verdict queue's order for PostgreSQL

Revision ID: 5e1c7a3b9d42
Revises: 2d8f6a1b9c35
Create Date: 2026-12-07 19:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '5e1c7a3b9d42'
down_revision = '2d8f6a1b9c35'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_claims_dealer_failure', 'claims', ['dealer_id', 'failure_date'])
    op.create_index('ix_owed_parts_judge_order', 'owed_parts', ['status', 'received_on', 'id'],
                    sqlite_where=sa.text('verdict IS NULL'),
                    postgresql_where=sa.text('verdict IS NULL'))
    # SQLite's planner takes an index without statistics for the most selective one (a
    # dealer's claims list sorted all its claims by this index): give it its own.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ANALYZE ix_claims_dealer_failure')
        op.execute('ANALYZE ix_owed_parts_judge_order')


def downgrade():
    op.drop_index('ix_owed_parts_judge_order', table_name='owed_parts')
    op.drop_index('ix_claims_dealer_failure', table_name='claims')
