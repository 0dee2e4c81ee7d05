"""claims.parts_pending: the claim's old parts still wait for a verdict or a waiver

The rep's home counts the decided claims ready to forward; asking after each claim's owed parts
cost some 8 ms for a rep with 20 dealers (6,600 claims) at scale 1.0. The flag is kept by every
flush that touches an owed part (``portal/returns/models.py``), filled here; it and the
sample review's columns end the rep's queue index, so the count reads that index alone (the
sample check read each of the 6,600 claims' rows: another ~12 ms).

Revision ID: 6b1e4d8a3c57
Revises: 3f6b8d1c2e95
Create Date: 2026-12-08 00:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '6b1e4d8a3c57'
down_revision = '3f6b8d1c2e95'
branch_labels = None
depends_on = None

TO_FORWARD = ['finance_stage', 'status', 'dealer_id', 'decided_at', 'filed_by_head_office']
# What ``ready_for_finance`` asks besides (portal/finance/audit.py): in the index, the count
# reads no claim row.
READY = ['parts_pending', 'decided_by_rules', 'sampled', 'sample_reviewed_at']
# As ``waiting_for_verdict`` in portal/returns/models.py then.
WAITING_SQL = "verdict IS NULL AND status NOT IN ('cancelled', 'waived')"


def upgrade():
    # Plain ALTER TABLE ADD COLUMN, not a batch (a batch would copy every claim on SQLite).
    op.add_column('claims', sa.Column('parts_pending', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
    op.execute(f'UPDATE claims SET parts_pending = {"true" if _pg() else "1"} WHERE id IN '
               f'(SELECT claim_id FROM owed_parts WHERE {WAITING_SQL})')
    op.drop_index('ix_claims_to_forward', table_name='claims')
    op.create_index('ix_claims_to_forward', 'claims', TO_FORWARD + READY, unique=False)
    if not _pg():  # statistics for the planner, this index only
        op.execute('ANALYZE ix_claims_to_forward')


def downgrade():
    op.drop_index('ix_claims_to_forward', table_name='claims')
    op.create_index('ix_claims_to_forward', 'claims', TO_FORWARD, unique=False)
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_column('parts_pending')


def _pg() -> bool:
    return op.get_bind().dialect.name == 'postgresql'
