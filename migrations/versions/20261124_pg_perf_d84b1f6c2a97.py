"""perf (pg): service register searched by the start of a name or of a phone number's digits

A phone number is kept as written; its digits alone go beside it (phone_digits), so a caller's
number finds the entry however either was typed. Both searches read an index.

Revision ID: d84b1f6c2a97
Revises: 7d3b5e9a1c42
Create Date: 2026-11-24 09:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd84b1f6c2a97'
down_revision = '7d3b5e9a1c42'
branch_labels = None
depends_on = None

INDEXES = [
    ('service_requests', 'ix_service_requests_customer_name', ['customer_name']),
    ('service_requests', 'ix_service_requests_phone_digits', ['phone_digits']),
]


def _digits(text):
    return ''.join(c for c in text or '' if c.isascii() and c.isdigit())


def _backfill_phone_digits():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute("UPDATE service_requests SET phone_digits = "
                   "regexp_replace(customer_phone, '[^0-9]', '', 'g') WHERE customer_phone <> ''")
        return
    bind.connection.driver_connection.create_function('digits_only', 1, _digits,
                                                      deterministic=True)
    op.execute("UPDATE service_requests SET phone_digits = digits_only(customer_phone) "
               "WHERE customer_phone <> ''")


def upgrade():
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_digits', sa.String(length=32), server_default='',
                                      nullable=False))
    _backfill_phone_digits()
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
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.drop_column('phone_digits')
