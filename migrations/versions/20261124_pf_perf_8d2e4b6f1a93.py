"""perf (pf): the warranty cost report's totals per audit month, backfilled

Revision ID: 8d2e4b6f1a93
Revises: 2f6a91c3d7e5
Create Date: 2026-11-24 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d2e4b6f1a93'
down_revision = '2f6a91c3d7e5'
branch_labels = None
depends_on = None

KINDS = ("part", "labour", "travel", "other")


def upgrade():
    op.create_table('month_costs',
    sa.Column('month', sa.Date(), nullable=False),
    *[sa.Column(kind, sa.Numeric(precision=12, scale=2), nullable=False) for kind in KINDS],
    sa.Column('claims', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_month_costs'))
    )
    op.execute(f"""
        INSERT INTO month_costs (month, {", ".join(KINDS)}, claims)
        SELECT month, {", ".join(f"sum({k})" for k in KINDS)}, sum(claims)
        FROM dealer_costs GROUP BY month""")


def downgrade():
    op.drop_table('month_costs')
