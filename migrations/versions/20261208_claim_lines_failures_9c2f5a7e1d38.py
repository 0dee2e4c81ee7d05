"""claim_lines: the claim's index also by part, kind and decision

An alert's page lists the failures behind it: the claims on the batch's units with a failure
line of the part (``portal/quality/warning.py`` claims_behind, an EXISTS per claim). By the
claim id alone the EXISTS read every line row of each of the batch's claims (1,373 lines of 543
claims for the bench alert at scale 1.0); with the part and kind in the index it reads the rows
of the part's lines only (4.6 → 3.7 ms of CPU on SQLite). The index replaces the claim id's
own, whose lookups it serves by its first column.

Revision ID: 9c2f5a7e1d38
Revises: 9c2f5a7e4b18
Create Date: 2026-12-08 04:05:00
"""
from alembic import op

revision = '9c2f5a7e1d38'
down_revision = '9c2f5a7e4b18'
branch_labels = None
depends_on = None

NAME = 'ix_claim_lines_claim_part'
OLD = 'ix_claim_lines_claim_id'


def upgrade():
    op.create_index(NAME, 'claim_lines', ['claim_id', 'part_id', 'kind', 'decision'],
                    unique=False)
    op.drop_index(OLD, table_name='claim_lines')
    if op.get_bind().dialect.name == 'sqlite':  # statistics for the planner, this index only
        op.execute(f'ANALYZE {NAME}')


def downgrade():
    op.create_index(OLD, 'claim_lines', ['claim_id'], unique=False)
    op.drop_index(NAME, table_name='claim_lines')
