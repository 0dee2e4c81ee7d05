"""perf (pb): indexes for the open-work counts of the home pages and the dashboard

Each index leads with exactly the columns an open-work count filters on and holds every column
the count reads, so the count reads only the open rows, from the index alone.

Revision ID: 3c1e7a9b2d40
Revises: 158deb5d599a
Create Date: 2026-11-24 08:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '3c1e7a9b2d40'
down_revision = '158deb5d599a'
branch_labels = None
depends_on = None

INDEXES = [
    ('claims', 'ix_claims_samples_pending',
     ['status', 'sampled', 'sample_reviewed_at', 'dealer_id', 'decided_at', 'decided_by_rules']),
    ('claims', 'ix_claims_to_forward', ['finance_stage', 'status', 'dealer_id', 'decided_at']),
    ('claims', 'ix_claims_forwarded', ['finance_stage', 'dealer_id', 'forwarded_at']),
    ('claims', 'ix_claims_unnoticed',
     ['finance_stage', 'notice_id', 'dealer_id', 'finance_on', 'total_finance']),
    ('claims', 'ix_claims_decided_rules', ['decided_at', 'status', 'decided_by_rules']),
    ('owed_parts', 'ix_owed_parts_to_judge', ['status', 'verdict', 'dealer_id', 'received_on']),
    ('owed_parts', 'ix_owed_parts_waiting', ['claim_id', 'verdict', 'status']),
    ('owed_parts', 'ix_owed_parts_past_due', ['verdict', 'status', 'due_on', 'dealer_id']),
]


def upgrade():
    for table, name, columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)
    if op.get_bind().dialect.name == 'sqlite':  # statistics for the planner, these indexes only
        for _table, name, _columns in INDEXES:
            op.execute(f'ANALYZE {name}')


def downgrade():
    for table, name, _columns in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
