"""units: index on (dealer_id, shipped_on, model_id) (the dealer's page counts the units about
to count as sold by their shipping day and model, from the index alone)

Revision ID: 8e4b1c7d2a50
Revises: 8a3d6f2b1e94
Create Date: 2026-12-07 18:40:00
"""
from alembic import op

revision = '8e4b1c7d2a50'
down_revision = '8a3d6f2b1e94'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index('ix_units_dealer_shipped', ['dealer_id', 'shipped_on', 'model_id'],
                              unique=False)
    if op.get_bind().dialect.name == 'sqlite':  # statistics for the planner, this index only
        op.execute('ANALYZE ix_units_dealer_shipped')


def downgrade():
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index('ix_units_dealer_shipped')
