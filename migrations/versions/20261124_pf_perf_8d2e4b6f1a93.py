"""perf (pf): the warranty cost report's totals per audit month; the early-warning check's
counts per key part and batch (an alert's chart reads them); both backfilled

Revision ID: 8d2e4b6f1a93
Revises: d84b1f6c2a97
Create Date: 2026-11-24 12:00:00

"""
from collections import defaultdict
from datetime import timedelta

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d2e4b6f1a93'
down_revision = 'd84b1f6c2a97'
branch_labels = None
depends_on = None

KINDS = ("part", "labour", "travel", "other")
FAILED = ("submitted", "under_review", "approved", "partly_approved")


def upgrade():
    op.create_table('month_costs',
    sa.Column('month', sa.Date(), nullable=False),
    *[sa.Column(kind, sa.Numeric(precision=12, scale=2), nullable=False) for kind in KINDS],
    sa.Column('claims', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_month_costs'))
    )
    op.execute(f"""
        INSERT INTO month_costs (month, {", ".join(KINDS)}, claims)
        SELECT month, {", ".join(f"sum({k})" for k in KINDS)}, sum(claims)
        FROM dealer_costs GROUP BY month""")
    _batch_exposures()


def _exposures_as_of_last_check(bind):
    """The counts the last early-warning check made (portal.quality.warning.exposure and
    failures of the key parts, as of its Shanghai day), as the app keeps them from now on."""
    started = bind.execute(sa.text("SELECT max(started_at) FROM alert_runs")).scalar()
    if started is None:
        return []
    if isinstance(started, str):  # SQLite keeps text
        from datetime import datetime
        started = datetime.fromisoformat(started)
    as_of = (started + timedelta(hours=8)).date()  # Shanghai has no summer time
    keys = "SELECT id FROM parts WHERE key_part AND is_active"
    exposed = defaultdict(lambda: [0, 0])
    for part_id, batch, sold, count in bind.execute(sa.text(f"""
            SELECT pm.part_id, u.batch, wc.sale_date, count(*)
            FROM part_models pm JOIN units u ON u.model_id = pm.model_id
            JOIN warranty_cards wc ON wc.unit_id = u.id
            WHERE pm.part_id IN ({keys}) AND wc.status != 'void' AND wc.sale_date <= :as_of
            GROUP BY pm.part_id, u.batch, wc.sale_date"""), {"as_of": as_of}):
        if isinstance(sold, str):
            from datetime import date
            sold = date.fromisoformat(sold)
        exposed[part_id, batch][0] += count
        exposed[part_id, batch][1] += count * (as_of - sold).days
    statuses = ", ".join(f"'{s}'" for s in FAILED)
    failed = {(part_id, batch): int(qty or 0) for part_id, batch, qty in bind.execute(sa.text(f"""
            SELECT l.part_id, u.batch, sum(l.quantity)
            FROM claim_lines l JOIN claims c ON c.id = l.claim_id JOIN units u ON u.id = c.unit_id
            WHERE l.part_id IN ({keys}) AND l.kind = 'part' AND l.decision != 'rejected'
              AND c.status IN ({statuses}) AND c.failure_date <= :as_of
            GROUP BY l.part_id, u.batch"""), {"as_of": as_of})}
    return [{"part_id": part_id, "batch": batch, "units": units, "unit_days": days,
             "failures": failed.get((part_id, batch), 0)}
            for (part_id, batch), (units, days) in exposed.items()]


def _batch_exposures():
    table = op.create_table('batch_exposures',
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('batch', sa.String(length=40), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('unit_days', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_batch_exposures_part_id_parts')),
    sa.PrimaryKeyConstraint('part_id', 'batch', name=op.f('pk_batch_exposures'))
    )
    rows = _exposures_as_of_last_check(op.get_bind())
    if rows:
        op.bulk_insert(table, rows)


def downgrade():
    op.drop_table('batch_exposures')
    op.drop_table('month_costs')
