"""units: indexes by dealer and serial, by dealer and engine number

A dealer's search of its units by the start of a serial or engine number read every unit of the
dealer (12,000 for the largest at scale 1.0, 10 ms) to keep those matching; with the dealer in
front of each column it is a range of each index. The dealer's list in serial order walks the
first in order instead of sorting all its units.

Revision ID: 3f6b8d1c2e95
Revises: 6d3f1b8e2c47
Create Date: 2026-12-07 21:50:00
"""
from alembic import op

revision = '3f6b8d1c2e95'
down_revision = '6d3f1b8e2c47'
branch_labels = None
depends_on = None

INDEXES = (('ix_units_dealer_serial', ['dealer_id', 'serial']),
           ('ix_units_dealer_engine', ['dealer_id', 'engine_no']))


def upgrade():
    for name, columns in INDEXES:
        op.create_index(name, 'units', columns)
    # SQLite's planner takes an index without statistics for the most selective one: give
    # each its own.
    if op.get_bind().dialect.name == 'sqlite':
        for name, _columns in INDEXES:
            op.execute(f'ANALYZE {name}')


def downgrade():
    for name, _columns in INDEXES:
        op.drop_index(name, table_name='units')
