"""case_settlements: finance's approval of an exchange or refund case's money; notice_cases and
the notice's 包换包退 cost type

Revision ID: c5e8a2d4f917
Revises: 6b1e0d4c8a27
Create Date: 2026-12-07 08:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'c5e8a2d4f917'
down_revision = '6b1e0d4c8a27'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_settlements',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('dealer_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum('approved', 'refused', 'written_off',
                                    name='settlementstatus', native_enum=False, length=20),
                  nullable=False),
        sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('lines', sa.JSON(), nullable=False),
        sa.Column('months_in_use', sa.Integer(), nullable=True),
        sa.Column('rate', sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('settled_on', sa.Date(), nullable=False),
        sa.Column('notice_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['sanbao_cases.id'],
                                name=op.f('fk_case_settlements_case_id_sanbao_cases')),
        sa.ForeignKeyConstraint(['dealer_id'], ['dealers.id'],
                                name=op.f('fk_case_settlements_dealer_id_dealers')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_case_settlements_decided_by_id_users')),
        sa.ForeignKeyConstraint(['notice_id'], ['write_off_notices.id'],
                                name=op.f('fk_case_settlements_notice_id_write_off_notices')),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_settlements')),
    )
    with op.batch_alter_table('case_settlements', schema=None) as batch_op:
        batch_op.create_index('ix_case_settlements_eligible',
                              ['dealer_id', 'status', 'settled_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_settlements_notice_id'), ['notice_id'],
                              unique=False)
    op.create_table(
        'notice_cases',
        sa.Column('notice_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['sanbao_cases.id'],
                                name=op.f('fk_notice_cases_case_id_sanbao_cases')),
        sa.ForeignKeyConstraint(['notice_id'], ['write_off_notices.id'], ondelete='CASCADE',
                                name=op.f('fk_notice_cases_notice_id_write_off_notices')),
        sa.PrimaryKeyConstraint('notice_id', 'case_id', name=op.f('pk_notice_cases')),
    )
    with op.batch_alter_table('notice_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_cases_case_id'), ['case_id'], unique=False)
    with op.batch_alter_table('write_off_notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('exchange_refund', sa.Numeric(precision=12, scale=2),
                                      nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('write_off_notices', schema=None) as batch_op:
        batch_op.drop_column('exchange_refund')
    with op.batch_alter_table('notice_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_cases_case_id'))
    op.drop_table('notice_cases')
    with op.batch_alter_table('case_settlements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_settlements_notice_id'))
        batch_op.drop_index('ix_case_settlements_eligible')
    op.drop_table('case_settlements')
