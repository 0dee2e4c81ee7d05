"""perf (pc): running totals for the warranty cost report, backfilled from the claims

Revision ID: 5a1c0e7d9b21
Revises: 3c1e7a9b2d40
Create Date: 2026-11-24 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a1c0e7d9b21'
down_revision = '3c1e7a9b2d40'
branch_labels = None
depends_on = None

KINDS = ("part", "labour", "travel", "other")


def _cost_columns():
    return [sa.Column('month', sa.Date(), nullable=False),
            *[sa.Column(kind, sa.Numeric(precision=12, scale=2), nullable=False)
              for kind in KINDS],
            sa.Column('claims', sa.Integer(), nullable=False)]


def _backfill():
    """The totals of the claims finance has approved or written off, as the app keeps them."""
    month = ("CAST(date_trunc('month', c.finance_on) AS DATE)"
             if op.get_bind().dialect.name == "postgresql"
             else "date(c.finance_on, 'start of month')")
    sums = ", ".join(f"coalesce(sum(CASE WHEN l.kind = '{kind}' THEN "
                     f"coalesce(l.finance_amount, 0) ELSE 0 END), 0)" for kind in KINDS)
    op.execute(f"""
        INSERT INTO dealer_model_costs (month, dealer_id, model_id, {", ".join(KINDS)}, claims)
        SELECT {month}, c.dealer_id, u.model_id, {sums}, count(DISTINCT c.id)
        FROM claim_lines l JOIN claims c ON c.id = l.claim_id JOIN units u ON u.id = c.unit_id
        WHERE c.finance_stage IN ('approved', 'written_off') AND c.finance_on IS NOT NULL
        GROUP BY {month}, c.dealer_id, u.model_id""")
    op.execute(f"""
        INSERT INTO dealer_costs (month, dealer_id, {", ".join(KINDS)}, claims)
        SELECT month, dealer_id, {", ".join(f"sum({k})" for k in KINDS)}, sum(claims)
        FROM dealer_model_costs GROUP BY month, dealer_id""")


def upgrade():
    op.create_table('dealer_costs', *_cost_columns(),
    sa.Column('dealer_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['dealer_id'], ['dealers.id'], name=op.f('fk_dealer_costs_dealer_id_dealers')),
    sa.PrimaryKeyConstraint('month', 'dealer_id', name=op.f('pk_dealer_costs'))
    )
    with op.batch_alter_table('dealer_costs', schema=None) as batch_op:
        batch_op.create_index('ix_dealer_costs_dealer', ['dealer_id', 'month'], unique=False)

    op.create_table('dealer_model_costs', *_cost_columns(),
    sa.Column('dealer_id', sa.Integer(), nullable=False),
    sa.Column('model_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['dealer_id'], ['dealers.id'], name=op.f('fk_dealer_model_costs_dealer_id_dealers')),
    sa.ForeignKeyConstraint(['model_id'], ['product_models.id'], name=op.f('fk_dealer_model_costs_model_id_product_models')),
    sa.PrimaryKeyConstraint('month', 'dealer_id', 'model_id', name=op.f('pk_dealer_model_costs'))
    )
    with op.batch_alter_table('dealer_model_costs', schema=None) as batch_op:
        batch_op.create_index('ix_dealer_model_costs_dealer', ['dealer_id', 'month'], unique=False)
        batch_op.create_index('ix_dealer_model_costs_model', ['model_id', 'month'], unique=False)
    _backfill()


def downgrade():
    with op.batch_alter_table('dealer_model_costs', schema=None) as batch_op:
        batch_op.drop_index('ix_dealer_model_costs_model')
        batch_op.drop_index('ix_dealer_model_costs_dealer')
    op.drop_table('dealer_model_costs')
    with op.batch_alter_table('dealer_costs', schema=None) as batch_op:
        batch_op.drop_index('ix_dealer_costs_dealer')
    op.drop_table('dealer_costs')
