"""entitlements as the 2010 规定 states them: fault severity, and what raised each entitlement

Fault codes get a severity (serious | general); existing codes become "general", the reading
that raises nothing early: head office marks the serious ones. Entitlements (unit_flags) get
the fault code ("the same problem"), the rule that raised them, the business day they were
raised, and for an exchange carried out the machine the buyer got instead. The kind
``replace_main_part`` is now ``replace_part`` (a main part or system).

Revision ID: e7d3a1c95b20
Revises: 3f7a9c1e5b24
Create Date: 2026-12-07 05:30:00
"""
from datetime import UTC, timedelta

import sqlalchemy as sa
from alembic import op

revision = 'e7d3a1c95b20'
down_revision = '3f7a9c1e5b24'
branch_labels = None
depends_on = None

RULE = ('serious_repeat', 'first_season_repeat', 'after_replacement', 'repair_overdue',
        'after_exchange', 'no_same_model')
SHANGHAI = timedelta(hours=8)  # no daylight saving in China since 1991


def upgrade():
    with op.batch_alter_table('fault_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'severity', sa.Enum('serious', 'general', name='faultseverity', native_enum=False,
                                length=10), nullable=False, server_default='general'))
    with op.batch_alter_table('unit_flags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule', sa.Enum(*RULE, name='flagrule', native_enum=False,
                                                      length=30), nullable=True))
        batch_op.add_column(sa.Column('fault_code_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('raised_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('replacement_unit_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_unit_flags_fault_code_id_fault_codes'),
                                    'fault_codes', ['fault_code_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_unit_flags_replacement_unit_id_units'),
                                    'units', ['replacement_unit_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_unit_flags_fault_code_id'), ['fault_code_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_unit_flags_replacement_unit_id'),
                              ['replacement_unit_id'], unique=False)
    _fill_existing()
    with op.batch_alter_table('unit_flags', schema=None) as batch_op:
        batch_op.alter_column('raised_on', existing_type=sa.Date(), nullable=False)


def _fill_existing():
    """The day each flag was raised in Shanghai, its claim's fault code, the renamed kind."""
    bind = op.get_bind()
    flags = sa.table('unit_flags', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                     sa.column('claim_id', sa.Integer), sa.column('raised_at', sa.DateTime),
                     sa.column('raised_on', sa.Date), sa.column('fault_code_id', sa.Integer))
    claims = sa.table('claims', sa.column('id', sa.Integer),
                      sa.column('fault_code_id', sa.Integer))
    rows = bind.execute(sa.select(flags.c.id, flags.c.raised_at, claims.c.fault_code_id)
                        .join(claims, claims.c.id == flags.c.claim_id)).all()
    for flag_id, raised_at, fault_code_id in rows:  # a small table: flags are rare
        if raised_at.tzinfo is not None:  # PostgreSQL answers in the session's zone
            raised_at = raised_at.astimezone(UTC).replace(tzinfo=None)
        bind.execute(flags.update().where(flags.c.id == flag_id).values(
            raised_on=(raised_at + SHANGHAI).date(), fault_code_id=fault_code_id))
    bind.execute(flags.update().where(flags.c.kind == 'replace_main_part')
                 .values(kind='replace_part'))


def downgrade():
    bind = op.get_bind()
    flags = sa.table('unit_flags', sa.column('kind', sa.String))
    bind.execute(flags.delete().where(flags.c.kind == 'refund'))
    bind.execute(flags.update().where(flags.c.kind == 'replace_part')
                 .values(kind='replace_main_part'))
    with op.batch_alter_table('unit_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_flags_replacement_unit_id'))
        batch_op.drop_index(batch_op.f('ix_unit_flags_fault_code_id'))
        batch_op.drop_constraint(batch_op.f('fk_unit_flags_replacement_unit_id_units'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_unit_flags_fault_code_id_fault_codes'),
                                 type_='foreignkey')
        batch_op.drop_column('replacement_unit_id')
        batch_op.drop_column('raised_on')
        batch_op.drop_column('fault_code_id')
        batch_op.drop_column('rule')
    with op.batch_alter_table('fault_codes', schema=None) as batch_op:
        batch_op.drop_column('severity')
