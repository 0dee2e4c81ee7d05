"""finance: the rep's forwarding and finance's audit on claims and their lines, write-off
notices with their claims, PDFs, yearly counters and generation runs, the receivable ledger; the
maker's details for notices

Revision ID: b18fed2c9740
Revises: 454927903ef8
Create Date: 2026-11-23 15:20:17.226492

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b18fed2c9740'
down_revision = '454927903ef8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notice_counters',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_notice_counters'))
    )
    op.create_table('notice_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('running', 'done', 'cancelled', 'failed', name='runstatus', native_enum=False, length=20), nullable=False),
    sa.Column('dealers_total', sa.Integer(), nullable=False),
    sa.Column('dealers_done', sa.Integer(), nullable=False),
    sa.Column('notices_made', sa.Integer(), nullable=False),
    sa.Column('cancel_requested', sa.Boolean(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_notice_runs_started_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_runs'))
    )
    with op.batch_alter_table('notice_runs', schema=None) as batch_op:
        batch_op.create_index('ix_notice_runs_status_started', ['status', 'started_at'], unique=False)

    op.create_table('write_off_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('dealer_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('issued', 'confirmed', 'disputed', 'voided', name='noticestatus', native_enum=False, length=20), nullable=False),
    sa.Column('maker', sa.JSON(), nullable=False),
    sa.Column('dealer_details', sa.JSON(), nullable=False),
    sa.Column('parts', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('labour', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('travel', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('other', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disputed_by_id', sa.Integer(), nullable=True),
    sa.Column('disputed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dispute_reason', sa.Text(), nullable=False),
    sa.Column('voided_by_id', sa.Integer(), nullable=True),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_write_off_notices_confirmed_by_id_users')),
    sa.ForeignKeyConstraint(['dealer_id'], ['dealers.id'], name=op.f('fk_write_off_notices_dealer_id_dealers')),
    sa.ForeignKeyConstraint(['disputed_by_id'], ['users.id'], name=op.f('fk_write_off_notices_disputed_by_id_users')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_write_off_notices_issued_by_id_users')),
    sa.ForeignKeyConstraint(['replaces_id'], ['write_off_notices.id'], name=op.f('fk_write_off_notices_replaces_id_write_off_notices')),
    sa.ForeignKeyConstraint(['run_id'], ['notice_runs.id'], name=op.f('fk_write_off_notices_run_id_notice_runs')),
    sa.ForeignKeyConstraint(['voided_by_id'], ['users.id'], name=op.f('fk_write_off_notices_voided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_write_off_notices')),
    sa.UniqueConstraint('number', name=op.f('uq_write_off_notices_number')),
    sa.UniqueConstraint('year', 'seq', name='uq_write_off_notices_year_seq')
    )
    with op.batch_alter_table('write_off_notices', schema=None) as batch_op:
        batch_op.create_index('ix_write_off_notices_dealer_status', ['dealer_id', 'status', 'id'], unique=False)
        batch_op.create_index('ix_write_off_notices_period', ['period_start', 'dealer_id'], unique=False)
        batch_op.create_index('ix_write_off_notices_status_issued', ['status', 'issued_at'], unique=False)

    op.create_table('ledger_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dealer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('opening', 'invoice', 'payment', 'offset', name='ledgerkind', native_enum=False, length=20), nullable=False),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('memo', sa.String(length=200), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_ledger_entries_created_by_id_users')),
    sa.ForeignKeyConstraint(['dealer_id'], ['dealers.id'], name=op.f('fk_ledger_entries_dealer_id_dealers')),
    sa.ForeignKeyConstraint(['notice_id'], ['write_off_notices.id'], name=op.f('fk_ledger_entries_notice_id_write_off_notices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries')),
    sa.UniqueConstraint('dealer_id', 'kind', 'reference', name='uq_ledger_entries_dealer_kind_reference'),
    sa.UniqueConstraint('notice_id', name=op.f('uq_ledger_entries_notice_id'))
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_entries_dealer_date', ['dealer_id', 'entry_date', 'id'], unique=False)

    op.create_table('notice_documents',
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('rendered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['write_off_notices.id'], name=op.f('fk_notice_documents_notice_id_write_off_notices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('notice_id', name=op.f('pk_notice_documents'))
    )
    op.create_table('notice_claims',
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('parts', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('labour', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('travel', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('other', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_notice_claims_claim_id_claims')),
    sa.ForeignKeyConstraint(['notice_id'], ['write_off_notices.id'], name=op.f('fk_notice_claims_notice_id_write_off_notices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('notice_id', 'claim_id', name=op.f('pk_notice_claims'))
    )
    with op.batch_alter_table('notice_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_claims_claim_id'), ['claim_id'], unique=False)

    with op.batch_alter_table('claim_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('finance_amount', sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column('finance_note', sa.Text(), nullable=False, server_default=''))

    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.add_column(sa.Column('finance_stage', sa.Enum('forwarded', 'approved', 'rejected', 'written_off', name='financestage', native_enum=False, length=20), nullable=True))
        batch_op.add_column(sa.Column('forwarded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('forwarded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('finance_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('finance_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('finance_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('finance_note', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('total_finance', sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column('notice_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_claims_finance', ['finance_stage', 'dealer_id', 'finance_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_claims_notice_id'), ['notice_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_claims_forwarded_by_id_users'), 'users', ['forwarded_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_claims_notice_id_write_off_notices'), 'write_off_notices', ['notice_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_claims_finance_by_id_users'), 'users', ['finance_by_id'], ['id'])

    with op.batch_alter_table('policy_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('maker_name', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('maker_address', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('maker_phone', sa.String(length=32), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('maker_tax_no', sa.String(length=30), nullable=False, server_default=''))



def downgrade():
    with op.batch_alter_table('policy_settings', schema=None) as batch_op:
        batch_op.drop_column('maker_tax_no')
        batch_op.drop_column('maker_phone')
        batch_op.drop_column('maker_address')
        batch_op.drop_column('maker_name')

    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_claims_finance_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_claims_notice_id_write_off_notices'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_claims_forwarded_by_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_claims_notice_id'))
        batch_op.drop_index('ix_claims_finance')
        batch_op.drop_column('notice_id')
        batch_op.drop_column('total_finance')
        batch_op.drop_column('finance_note')
        batch_op.drop_column('finance_on')
        batch_op.drop_column('finance_at')
        batch_op.drop_column('finance_by_id')
        batch_op.drop_column('forwarded_at')
        batch_op.drop_column('forwarded_by_id')
        batch_op.drop_column('finance_stage')

    with op.batch_alter_table('claim_lines', schema=None) as batch_op:
        batch_op.drop_column('finance_note')
        batch_op.drop_column('finance_amount')

    with op.batch_alter_table('notice_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_claims_claim_id'))

    op.drop_table('notice_claims')
    op.drop_table('notice_documents')
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_entries_dealer_date')

    op.drop_table('ledger_entries')
    with op.batch_alter_table('write_off_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_write_off_notices_status_issued')
        batch_op.drop_index('ix_write_off_notices_period')
        batch_op.drop_index('ix_write_off_notices_dealer_status')

    op.drop_table('write_off_notices')
    with op.batch_alter_table('notice_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_notice_runs_status_started')

    op.drop_table('notice_runs')
    op.drop_table('notice_counters')
