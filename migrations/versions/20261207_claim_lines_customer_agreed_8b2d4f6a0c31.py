"""claim lines: the customer's agreement to labour hours above the standard

Paid service is priced without padding: labour at the fault's standard hours, and more only when
the customer agreed to pay them, which the line now records (shown on the paid-service bill).
Existing paid lines keep their hours; none had the agreement recorded.

Revision ID: 8b2d4f6a0c31
Revises: 3f7a1c9e5b20
Create Date: 2026-12-07 05:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '8b2d4f6a0c31'
down_revision = '3f7a1c9e5b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('claim_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_agreed', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('claim_lines', schema=None) as batch_op:
        batch_op.drop_column('customer_agreed')
