"""claims (dealer_id, number): a dealer's search by claim number reads only the matches

The claims list scopes a dealer's user with ``dealer_id = :id`` (portal/dealers/scope.py). On
a search (the start of a claim number, or of a unit's serial) SQLite then walked all the
dealer's claims newest first to test each; with this index it reads the claims whose number
matches and those of the matching units (ix_claims_unit_failure), as before the scope change.

Revision ID: c61f0d8e2a75
Revises: 9a4c2e7b1d53
Create Date: 2026-12-07 02:40:00
"""
from alembic import op

revision = 'c61f0d8e2a75'
down_revision = '9a4c2e7b1d53'
branch_labels = None
depends_on = None

NAME = 'ix_claims_dealer_number'


def upgrade():
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index(NAME, ['dealer_id', 'number'], unique=False)
    if op.get_bind().dialect.name == 'sqlite':  # statistics for the planner, this index only
        op.execute(f'ANALYZE {NAME}')


def downgrade():
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_index(NAME)
