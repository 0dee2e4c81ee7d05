"""sanbao_cases: indexes for the cases' work queues

The approved cases to carry out (by status, worked down by the day they were decided), the
failed machines of completed cases still to receive (by status and arrival, worked down by the
completion day) and the received machines still to inspect (no verdict, by arrival):
portal/cases/queues.py.

Revision ID: 6b1e0d4c8a27
Revises: c5e1a7d93b42
Create Date: 2026-12-07 08:10:00
"""
from alembic import op

revision = '6b1e0d4c8a27'
down_revision = 'c5e1a7d93b42'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sanbao_cases', schema=None) as batch_op:
        batch_op.create_index('ix_sanbao_cases_status_decided', ['status', 'decided_at'],
                              unique=False)
        batch_op.create_index('ix_sanbao_cases_machine_to_receive',
                              ['status', 'machine_received_on', 'completed_on'], unique=False)
        batch_op.create_index('ix_sanbao_cases_machine_to_judge',
                              ['machine_verdict', 'machine_received_on'], unique=False)


def downgrade():
    with op.batch_alter_table('sanbao_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_sanbao_cases_machine_to_judge')
        batch_op.drop_index('ix_sanbao_cases_machine_to_receive')
        batch_op.drop_index('ix_sanbao_cases_status_decided')
