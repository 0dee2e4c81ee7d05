"""How well each dealer returns its old parts: on time, late, missing, waived.

A part is judged by the day its return counts (``OwedPart.returned_on``: the day it left on a
returning delivery truck, else the day it arrived), the same rule ``OwedPart.days_late`` says
for one part."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.returns.models import OwedPart, OwedStatus


@dataclass(frozen=True)
class Compliance:
    """Parts whose return date has passed, or that came back (or were waived) before it."""

    due: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0  # still not received, past the return date
    waived: int = 0
    days_late_total: int = 0

    @property
    def average_days_late(self) -> Decimal | None:
        if not self.late:
            return None
        return (Decimal(self.days_late_total) / self.late).quantize(Decimal("0.1"),
                                                                    rounding=ROUND_HALF_UP)

    @property
    def on_time_percent(self) -> int | None:
        """On-time returns among the parts that had to come back (waived ones excluded)."""
        counted = self.due - self.waived
        return round(100 * self.on_time / counted) if counted else None


def _days(later, earlier):
    """Days between two date columns, in the database's own arithmetic."""
    if db.session.get_bind().dialect.name == "sqlite":
        return sa.cast(sa.func.julianday(later) - sa.func.julianday(earlier), sa.Integer)
    return later - earlier  # PostgreSQL: date - date is a whole number of days


def compliance(dealer_ids, today: date) -> dict[int, Compliance]:
    """Per dealer id (a list or a subquery), in one aggregate query; dealers with nothing
    due are left out."""
    return {key[0]: figures for key, figures in compliance_by(dealer_ids, today).items()}


def compliance_by(dealer_ids, today: date, *where, by=()) -> dict[tuple, Compliance]:
    """The same counts keyed by (dealer id, *by): ``where`` narrows the parts (e.g. to a due
    period), ``by`` adds grouping columns (e.g. the month they were due)."""
    returned = OwedPart.returned_on.is_not(None)
    late = sa.and_(returned, OwedPart.returned_on > OwedPart.due_on)
    waived = sa.and_(OwedPart.status == OwedStatus.WAIVED, OwedPart.returned_on.is_(None))
    overdue = sa.and_(OwedPart.returned_on.is_(None), OwedPart.status != OwedStatus.WAIVED)

    def count(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    keys = [OwedPart.dealer_id, *by]
    rows = db.session.execute(
        sa.select(*keys, sa.func.count(), count(
                      sa.and_(returned, OwedPart.returned_on <= OwedPart.due_on)),
                  count(late), count(overdue), count(waived),
                  sa.func.coalesce(sa.func.sum(sa.case(
                      (late, _days(OwedPart.returned_on, OwedPart.due_on)), else_=0)), 0))
        .where(OwedPart.dealer_id.in_(dealer_ids), OwedPart.status != OwedStatus.CANCELLED,
               sa.or_(OwedPart.due_on < today, returned, OwedPart.status == OwedStatus.WAIVED),
               *where)
        .group_by(*keys)).all()
    return {tuple(row[:len(keys)]): Compliance(*(int(v) for v in row[len(keys):]))
            for row in rows}
