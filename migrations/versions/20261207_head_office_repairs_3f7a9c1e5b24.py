"""repairs done by head office: claims.filed_by_head_office, owed_parts.dealer_id nullable

The technical department and the sales reps file 三包维修记录 themselves (issue 18 §4). Such a
record keeps the unit's dealer (so the dealer's unit history and the rep's scope hold) and is
marked ``filed_by_head_office``: its cost is the maker's own. Its old parts are owed by no
dealer (``owed_parts.dealer_id`` NULL): head office's own people hand them in.

Revision ID: 3f7a9c1e5b24
Revises: 41210f8535c1
Create Date: 2026-12-07 05:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '3f7a9c1e5b24'
down_revision = '41210f8535c1'
branch_labels = None
depends_on = None

TO_FORWARD = ['finance_stage', 'status', 'dealer_id', 'decided_at']


def upgrade():
    # Plain ALTER TABLE ADD COLUMN and index statements, not a batch: on SQLite a batch would copy
    # every claim into a new table (and check every foreign key of it) for one new column.
    op.add_column('claims', sa.Column('filed_by_head_office', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
    op.create_index('ix_claims_head_office', 'claims', ['filed_by_head_office', 'id'],
                    unique=False)
    # The rep's queue to forward filters on it: its count still reads the index alone.
    op.drop_index('ix_claims_to_forward', table_name='claims')
    op.create_index('ix_claims_to_forward', 'claims', TO_FORWARD + ['filed_by_head_office'],
                    unique=False)
    with op.batch_alter_table('owed_parts', schema=None) as batch_op:
        batch_op.alter_column('dealer_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    # Back to the old shape: a head-office repair's parts become owed by the unit's dealer.
    op.execute('UPDATE owed_parts SET dealer_id = (SELECT dealer_id FROM claims '
               'WHERE claims.id = owed_parts.claim_id) WHERE dealer_id IS NULL')
    with op.batch_alter_table('owed_parts', schema=None) as batch_op:
        batch_op.alter_column('dealer_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_index('ix_claims_to_forward')
        batch_op.create_index('ix_claims_to_forward', TO_FORWARD, unique=False)
        batch_op.drop_index('ix_claims_head_office')
        batch_op.drop_column('filed_by_head_office')
