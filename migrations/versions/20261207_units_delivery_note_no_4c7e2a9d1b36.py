"""units: index on delivery_note_no (the units list lists a scanned delivery note's units)

Revision ID: 4c7e2a9d1b36
Revises: e2b7c4a91d36
Create Date: 2026-12-07 11:25:00
"""
from alembic import op

revision = '4c7e2a9d1b36'
down_revision = 'e2b7c4a91d36'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_delivery_note_no'), ['delivery_note_no'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_delivery_note_no'))
