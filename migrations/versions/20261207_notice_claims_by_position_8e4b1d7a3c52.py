"""notice_claims by (notice_id, position): the notice page reads a notice's claims a page at a
time in the notice's order, without sorting all of them first

Revision ID: 8e4b1d7a3c52
Revises: 5e1c7a3b9d42
Create Date: 2026-12-07 19:00:00
"""
from alembic import op

revision = '8e4b1d7a3c52'
down_revision = '5e1c7a3b9d42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_notice_claims_notice_position', 'notice_claims',
                    ['notice_id', 'position', 'claim_id'])
    # SQLite's planner takes an index without statistics for the most selective one (a
    # dealer's claims list sorted all its claims by this index): give it its own.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ANALYZE ix_notice_claims_notice_position')


def downgrade():
    op.drop_index('ix_notice_claims_notice_position', table_name='notice_claims')
