"""units: index by dealer and model

Who a season asks for a stocking plan (the active dealers with units of its categories) was
found by reading each dealer's units until one of those categories came up: the plans overview
grew with the units table. With the model in the index it is a seek per model of the categories.

Revision ID: 8a3d6f2b1e94
Revises: 5c2e8f1a9b47
Create Date: 2026-12-07 19:15:00
"""
from alembic import op

revision = '8a3d6f2b1e94'
down_revision = '5c2e8f1a9b47'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_units_dealer_model', 'units', ['dealer_id', 'model_id'])
    # SQLite's planner takes an index without statistics for the most selective one (a
    # dealer's claims list sorted all its claims by this index): give it its own.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ANALYZE ix_units_dealer_model')


def downgrade():
    op.drop_index('ix_units_dealer_model', table_name='units')
