"""claims: (dealer_id, id) for a dealer's newest claims without a sort

Revision ID: 2f6a91c3d7e5
Revises: b14f23770536
Create Date: 2026-11-24 00:00:00
"""
from alembic import op

revision = '2f6a91c3d7e5'
down_revision = 'b14f23770536'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_claims_dealer_id', 'claims', ['dealer_id', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_claims_dealer_id', table_name='claims')
