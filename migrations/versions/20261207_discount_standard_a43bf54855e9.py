"""The discount standard (折扣标准), models' dealer prices, a case's factory replacement

``discount_rates``: per model category and whole months in use, the per cent of a returned
machine's dealer price the maker credits the dealer in an exchange or refund case (no rows: the
maker sets its standard). ``product_models.dealer_price``: 经销价. A completed exchange whose
replacement was placed from the factory on the case's number is marked so (its price is charged
in the case's settlement): portal/cases/settlement.py.

Revision ID: a43bf54855e9
Revises: 8d2f4a6b1c39
Create Date: 2026-12-07 07:52:49
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a43bf54855e9'
down_revision = '8d2f4a6b1c39'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('discount_rates',
    sa.Column('category', sa.Enum('tractor_large', 'tractor_small', 'combine', 'diesel_engine', 'diesel_single', 'petrol_two_stroke', 'petrol_four_stroke', 'rice_transplanter', 'other', name='modelcategory', native_enum=False, length=20), nullable=False),
    sa.Column('from_month', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('rate', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('category', 'from_month', name=op.f('pk_discount_rates'))
    )
    with op.batch_alter_table('product_models', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dealer_price', sa.Numeric(precision=12, scale=2), nullable=True))

    with op.batch_alter_table('sanbao_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replacement_from_factory', sa.Boolean(), server_default=sa.false(), nullable=False))

    # A factory unit placed for a case carries the case's number as its delivery note.
    op.execute(
        "UPDATE sanbao_cases SET replacement_from_factory = TRUE WHERE EXISTS ("
        "SELECT 1 FROM units WHERE units.id = sanbao_cases.replacement_unit_id "
        "AND units.delivery_note_no = sanbao_cases.number)")


def downgrade():
    with op.batch_alter_table('sanbao_cases', schema=None) as batch_op:
        batch_op.drop_column('replacement_from_factory')

    with op.batch_alter_table('product_models', schema=None) as batch_op:
        batch_op.drop_column('dealer_price')

    op.drop_table('discount_rates')
