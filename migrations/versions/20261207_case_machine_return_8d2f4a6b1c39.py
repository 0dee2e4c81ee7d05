"""sanbao_cases: the failed machine back at the factory (receipt, technical verdict, cause)

Revision ID: 8d2f4a6b1c39
Revises: 3f7a9c1e5b20
Create Date: 2026-12-07 06:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '8d2f4a6b1c39'
down_revision = '3f7a9c1e5b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sanbao_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('machine_received_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('machine_received_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('machine_verdict', sa.Enum(
            'quality_fault', 'misuse', 'no_defect', name='machineverdict', native_enum=False,
            length=20), nullable=True))
        batch_op.add_column(sa.Column('machine_cause', sa.Text(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('machine_judged_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('machine_judged_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_sanbao_cases_machine_received_by_id_users'),
                                    'users', ['machine_received_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_sanbao_cases_machine_judged_by_id_users'),
                                    'users', ['machine_judged_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('sanbao_cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_sanbao_cases_machine_judged_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_sanbao_cases_machine_received_by_id_users'),
                                 type_='foreignkey')
        for column in ('machine_judged_at', 'machine_judged_by_id', 'machine_cause',
                       'machine_verdict', 'machine_received_by_id', 'machine_received_on'):
            batch_op.drop_column(column)
