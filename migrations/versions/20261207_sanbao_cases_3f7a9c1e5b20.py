"""sanbao_cases: exchange and refund cases (包换 / 包退); the warranty card's exchange date

A case is opened for a unit's buyer (from an entitlement or his request), decided by the
technical department and completed by the dealer or the clerk; at most one case per unit is
open (requested or approved). ``warranty_cards.exchanged_on`` is the day an exchange moved the
card to its unit: the clocks run from it (portal/claims/repairs.py clock_start).

Revision ID: 3f7a9c1e5b20
Revises: d5a9c3e1f742
Create Date: 2026-12-07 05:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = '3f7a9c1e5b20'
down_revision = 'd5a9c3e1f742'
branch_labels = None
depends_on = None

OPEN = "status IN ('requested', 'approved')"


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade():
    op.create_table(
        'sanbao_cases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('kind', _enum('casekind', 'exchange', 'refund'), nullable=False),
        sa.Column('origin', _enum('caseorigin', 'entitlement', 'buyer_request', 'early_choice'),
                  nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('dealer_id', sa.Integer(), nullable=False),
        sa.Column('card_id', sa.Integer(), nullable=False),
        sa.Column('buyer_name', sa.String(length=60), nullable=False),
        sa.Column('buyer_phone', sa.String(length=20), nullable=False),
        sa.Column('flag_id', sa.Integer(), nullable=True),
        sa.Column('failed_on', sa.Date(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('invoice_amount', sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column('status', _enum('casestatus', 'requested', 'approved', 'refused', 'completed'),
                  nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decision_reason', sa.Text(), nullable=False),
        sa.Column('completed_by_id', sa.Integer(), nullable=True),
        sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('completed_on', sa.Date(), nullable=True),
        sa.Column('replacement_unit_id', sa.Integer(), nullable=True),
        sa.Column('new_card_id', sa.Integer(), nullable=True),
        sa.Column('refund_amount', sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column('buyer_receipt', sa.String(length=100), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['card_id'], ['warranty_cards.id'],
                                name=op.f('fk_sanbao_cases_card_id_warranty_cards')),
        sa.ForeignKeyConstraint(['completed_by_id'], ['users.id'],
                                name=op.f('fk_sanbao_cases_completed_by_id_users')),
        sa.ForeignKeyConstraint(['dealer_id'], ['dealers.id'],
                                name=op.f('fk_sanbao_cases_dealer_id_dealers')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_sanbao_cases_decided_by_id_users')),
        sa.ForeignKeyConstraint(['flag_id'], ['unit_flags.id'],
                                name=op.f('fk_sanbao_cases_flag_id_unit_flags')),
        sa.ForeignKeyConstraint(['new_card_id'], ['warranty_cards.id'],
                                name=op.f('fk_sanbao_cases_new_card_id_warranty_cards')),
        sa.ForeignKeyConstraint(['replacement_unit_id'], ['units.id'],
                                name=op.f('fk_sanbao_cases_replacement_unit_id_units')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                                name=op.f('fk_sanbao_cases_requested_by_id_users')),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'],
                                name=op.f('fk_sanbao_cases_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sanbao_cases')),
        sa.UniqueConstraint('number', name=op.f('uq_sanbao_cases_number')),
    )
    with op.batch_alter_table('sanbao_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sanbao_cases_card_id'), ['card_id'], unique=False)
        batch_op.create_index('ix_sanbao_cases_dealer_status_id', ['dealer_id', 'status', 'id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_sanbao_cases_flag_id'), ['flag_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sanbao_cases_replacement_unit_id'),
                              ['replacement_unit_id'], unique=False)
        batch_op.create_index('ix_sanbao_cases_status_requested', ['status', 'requested_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_sanbao_cases_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('uq_sanbao_cases_unit_open', ['unit_id'], unique=True,
                              sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    with op.batch_alter_table('warranty_cards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('exchanged_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('warranty_cards', schema=None) as batch_op:
        batch_op.drop_column('exchanged_on')
    op.drop_table('sanbao_cases')
