"""claims: index of the approved claims no notice holds yet by audit month

The notice generation page counts them per month before this month and sums them per dealer up
to a month's end; the dealer-first index made both read every waiting claim, this month's too.

Revision ID: 9e4b1c7d2a58
Revises: 8e4b1d7a3c52
Create Date: 2026-12-07 19:00:00
"""
from alembic import op

revision = '9e4b1c7d2a58'
down_revision = '8e4b1d7a3c52'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_claims_unnoticed_month', 'claims',
                    ['finance_stage', 'notice_id', 'finance_on', 'dealer_id', 'total_finance'])
    # SQLite's planner takes an index without statistics for the most selective one (a
    # dealer's claims list sorted all its claims by this index): give it its own.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ANALYZE ix_claims_unnoticed_month')


def downgrade():
    op.drop_index('ix_claims_unnoticed_month', table_name='claims')
