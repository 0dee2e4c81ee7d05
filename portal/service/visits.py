"""Return visits (回访): the call back to the customer after a warranty repair.

A visit is opened once per claim when the repair is reported. The clerk calls; a call that
does not reach the customer is tried again the next day, and after the third unanswered try
the task closes as "not reached", as a call centre would, so the list holds only work to do.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.claims.models import Claim
from portal.core import audit
from portal.core.db import SHANGHAI
from portal.core.errors import DomainError
from portal.core.versioning import LATEST, check_version
from portal.extensions import db
from portal.service import visit_tallies
from portal.service.models import ReturnVisit, VisitDayTally, VisitStatus, VisitTally

# The customer has used the machine for a few days before we ask how the repair went.
SETTLE_DAYS = 3
MAX_ATTEMPTS = 3
SATISFIED = visit_tallies.SATISFIED  # 4 and 5 count as satisfied
TARGET_RATE, TARGET_SATISFIED = 100, 98  # per cent, from the maker's service standard
COMMENT_MAX = 1000


def open_return_visit(claim: Claim, *, today: date, actor=None) -> ReturnVisit:
    """Open the claim's return visit, or return the one it already has.

    Due three days after the repair was completed, but never in the past: a claim reported
    late is called about at once, not shown as overdue from the start.
    """
    visit = db.session.scalar(sa.select(ReturnVisit).where(ReturnVisit.claim_id == claim.id))
    if visit is not None:
        return visit
    due = today
    if claim.completed_on:
        due = max(claim.completed_on + timedelta(days=SETTLE_DAYS), today)
    visit = ReturnVisit(claim=claim, dealer_id=claim.dealer_id, unit_id=claim.unit_id,
                        due_on=due, attempts=0)
    db.session.add(visit)
    audit.record("create", visit, actor=actor, to_state=VisitStatus.OPEN,
                 changes={"due_on": (None, due)})
    return visit


def _check_call(visit: ReturnVisit, reached: bool, satisfaction, comment: str) -> None:
    if visit.status != VisitStatus.OPEN:
        raise DomainError(_("This return visit is already closed."))
    if reached and satisfaction is None:
        raise DomainError(_("Ask the customer how satisfied they are (1 to 5)."),
                          field="satisfaction")
    if reached and not 1 <= satisfaction <= 5:
        raise DomainError(_("Satisfaction is a score from 1 to 5."), field="satisfaction")
    if not reached and satisfaction is not None:
        raise DomainError(_("Leave satisfaction empty when the customer was not reached."),
                          field="satisfaction")
    if len(comment) > COMMENT_MAX:
        raise DomainError(_("Keep the comment under %(n)d characters.", n=COMMENT_MAX),
                          field="comment")


def record_call(visit: ReturnVisit, *, reached: bool, satisfaction: int | None, comment: str,
                actor, now: datetime, version=LATEST) -> ReturnVisit:
    """Record one call; close the task when reached or after the last unanswered try.

    ``version`` is the one the caller's form was opened at: two clerks calling the same
    customer must not both count an attempt.
    """
    check_version(visit, version)
    comment = (comment or "").strip()
    _check_call(visit, reached, satisfaction, comment)
    counted = visit_tallies.share(visit.claim)
    visit.attempts += 1
    closes = reached or visit.attempts >= MAX_ATTEMPTS
    changes = audit.apply_changes(visit, {
        "reached": reached, "satisfaction": satisfaction if reached else None,
        "comment": comment})
    visit.called_by_id, visit.called_at = actor.id, now  # the audit entry has who and when
    changes["attempts"] = (visit.attempts - 1, visit.attempts)
    if closes:
        visit.status = VisitStatus.DONE
    else:  # try again tomorrow
        tomorrow = now.astimezone(SHANGHAI).date() + timedelta(days=1)
        changes.update(audit.apply_changes(visit, {"due_on": max(visit.due_on, tomorrow)}))
    visit_tallies.move(visit.claim, counted)  # the outcome counts in the repair's day
    audit.record("call", visit, actor=actor, from_state=VisitStatus.OPEN, to_state=visit.status,
                 reason=comment, changes=changes)
    return visit


@dataclass
class VisitStats:
    repairs: int  # in-warranty repairs completed in the period
    reached: int  # of them, customers reached on the return visit
    not_reached: int  # of them, closed after the last unanswered try
    rated: int
    average: float | None  # mean satisfaction, 1–5
    satisfied: int  # rated 4 or 5

    @property
    def rate(self) -> float | None:
        return 100 * self.reached / self.repairs if self.repairs else None

    @property
    def satisfied_share(self) -> float | None:
        return 100 * self.satisfied / self.rated if self.rated else None

    @property
    def rate_ok(self) -> bool:
        return self.rate is not None and self.rate >= TARGET_RATE

    @property
    def satisfied_ok(self) -> bool:
        return self.satisfied_share is not None and self.satisfied_share >= TARGET_SATISFIED


def visit_stats(dealer_ids=None, *, start: date, end: date,
                dealer_id: int | None = None) -> VisitStats:
    """Visit rate and satisfaction for repairs completed from ``start`` to ``end`` inclusive.

    ``dealer_ids``: the dealers counted (a list or subquery; None: all), ``dealer_id`` one of
    them. A draft is not reported yet and a rejected claim was not an in-warranty repair:
    neither counts. Read from the tallies (``visit_tallies``): one row per day, or per day and
    dealer when narrowed, whatever the number of repairs.
    """
    narrowed = dealer_ids is not None or dealer_id is not None
    table = VisitTally if narrowed else VisitDayTally
    where = [table.day.between(start, end)]
    if dealer_ids is not None:
        where.append(VisitTally.dealer_id.in_(dealer_ids))
    if dealer_id is not None:
        where.append(VisitTally.dealer_id == dealer_id)
    sums = [sa.func.coalesce(sa.func.sum(getattr(table, name)), 0)
            for name in visit_tallies.FIGURES]
    repairs, n_reached, n_not, rated, total, satisfied = db.session.execute(
        sa.select(*sums).where(*where)).one()
    return VisitStats(repairs, n_reached, n_not, rated, total / rated if rated else None,
                      satisfied)
