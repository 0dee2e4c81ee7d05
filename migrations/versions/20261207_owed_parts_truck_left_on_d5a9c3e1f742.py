"""the day an old part left on the dealer's returning delivery truck (owed_parts.truck_left_on)

Parts sent back on the returning delivery truck are on time by the day they left, not the day
the clerk scanned them. Filled for the parts already on or off such a truck: the latest truck
shipment that carried each (pending or arrived), read with SQL common to SQLite and PostgreSQL.

Revision ID: d5a9c3e1f742
Revises: 8b1e4d6a2c97
Create Date: 2026-12-07 05:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'd5a9c3e1f742'
down_revision = '8b1e4d6a2c97'
branch_labels = None
depends_on = None

# The truck shipments that carried a part and did not lose it on the way.
CARRIED = """
    FROM return_shipment_lines l JOIN return_shipments s ON s.id = l.shipment_id
    WHERE l.owed_part_id = owed_parts.id AND s.method = 'truck'
      AND l.receipt IN ('pending', 'received', 'damaged')
"""


def upgrade():
    with op.batch_alter_table('owed_parts') as batch:
        batch.add_column(sa.Column('truck_left_on', sa.Date(), nullable=True))
    op.execute(f"""
        UPDATE owed_parts SET truck_left_on = (SELECT MAX(s.shipped_on) {CARRIED})
        WHERE status IN ('shipped', 'received', 'waived') AND EXISTS (SELECT 1 {CARRIED})""")


def downgrade():
    with op.batch_alter_table('owed_parts') as batch:
        batch.drop_column('truck_left_on')
