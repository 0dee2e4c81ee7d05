"""sanbao_cases: an exchange for another model the buyer agreed to, and his price difference

``other_model_agreed``: the buyer agreed to a machine of another model of the same category
instead of the same model and specification; ``buyer_difference``: the price difference he
settled with the dealer (+ he paid more, 补差; − the dealer paid him back, 返差), recorded and
shown, not part of the maker's settlement (portal/cases/handover.py).

Revision ID: c5e1a7d93b42
Revises: b4e1d7a92c05
Create Date: 2026-12-07 08:10:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5e1a7d93b42'
down_revision = 'b4e1d7a92c05'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sanbao_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('other_model_agreed', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('buyer_difference', sa.Numeric(precision=12, scale=2), nullable=True))


def downgrade():
    with op.batch_alter_table('sanbao_cases', schema=None) as batch_op:
        batch_op.drop_column('buyer_difference')
        batch_op.drop_column('other_model_agreed')
