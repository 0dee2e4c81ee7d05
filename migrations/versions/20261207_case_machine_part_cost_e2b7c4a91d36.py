"""sanbao_cases.machine_part_cost: the failed main part's catalogue price at the verdict

What its supplier is asked for (portal/cases/recovery.py), kept as the verdict saw it, as a
repair line keeps its price. Verdicts given before are filled with the part's price now.

Revision ID: e2b7c4a91d36
Revises: c5e8a2d4f917
Create Date: 2026-12-07 09:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'e2b7c4a91d36'
down_revision = 'c5e8a2d4f917'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sanbao_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('machine_part_cost', sa.Numeric(precision=12, scale=2),
                                      nullable=True))
    op.execute("UPDATE sanbao_cases SET machine_part_cost = (SELECT price FROM parts "
               "WHERE parts.id = sanbao_cases.machine_part_id) "
               "WHERE machine_part_id IS NOT NULL")


def downgrade():
    with op.batch_alter_table('sanbao_cases', schema=None) as batch_op:
        batch_op.drop_column('machine_part_cost')
