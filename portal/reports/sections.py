"""The weekly report's sections: each a few aggregate queries over one week, returned as plain
JSON-able values (Decimals as strings, dates ISO, instants in Shanghai time with their offset),
so the stored figures can be shown and printed again exactly as generated."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.accounts.roles import WHOLE_VIEW
from portal.catalog.models import FaultCode, Part
from portal.claims.models import Claim, ClaimLine, ClaimStatus, Decision, LineKind
from portal.core.db import SHANGHAI, money
from portal.dealers.models import Dealer
from portal.extensions import db
from portal.finance.models import NoticeStatus, WriteOffNotice
from portal.quality.models import OPEN_ALERT, BatchAlert
from portal.service.deadlines import due_column
from portal.service.models import (
    Complaint,
    ReturnVisit,
    ServiceRequest,
    VisitStatus,
)
from portal.service.queues import COMPLAINTS, OVERDUE

# A failure in the shared sense: a claim filed and not rejected outright.
FAILURE_STATUSES = (ClaimStatus.SUBMITTED, ClaimStatus.UNDER_REVIEW, ClaimStatus.APPROVED,
                    ClaimStatus.PARTLY_APPROVED)
APPROVED_CLAIMS = (ClaimStatus.APPROVED, ClaimStatus.PARTLY_APPROVED)
APPROVED_LINES = (Decision.APPROVED, Decision.REDUCED)
DISSATISFIED = 3  # a score of 3 or less is followed up
TOP = 10
LISTED = 50  # rows listed per table; the counts cover everything


@dataclass(frozen=True)
class Week:
    """Monday to Sunday in Shanghai, with the UTC instants that bound it (end exclusive)."""

    start: date

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), SHANGHAI)

    @property
    def until(self) -> datetime:
        return self.since + timedelta(days=7)

    def holds(self, column):
        """SQL: an instant column falls in the week."""
        return sa.and_(column >= self.since, column < self.until)

    def previous(self) -> "Week":
        return Week(self.start - timedelta(days=7))


def moment(value: datetime | None) -> str | None:
    """An instant as stored in the figures: Shanghai time, to the minute, with its offset."""
    return value.astimezone(SHANGHAI).isoformat(timespec="minutes") if value else None


def amount(value) -> str:
    return str(money(value or 0))


def percent(part: int, whole: int) -> str | None:
    return str((Decimal(100 * part) / whole).quantize(Decimal("0.1"))) if whole else None


def visits(week: Week) -> dict:
    """Calls closed in the week (reached, or given up after the last try), the calls still due
    by its end, the average score and the customers who scored 3 or less."""
    v = ReturnVisit
    closed = sa.and_(v.status == VisitStatus.DONE, week.holds(v.called_at))
    still_due = sa.and_(v.status == VisitStatus.OPEN, v.due_on <= week.end)
    made, reached, not_reached, pending, average = db.session.execute(sa.select(
        sa.func.count().filter(closed),
        sa.func.count().filter(closed, v.reached.is_(True)),
        sa.func.count().filter(closed, v.reached.is_(False)),
        sa.func.count().filter(still_due),
        sa.func.avg(v.satisfaction).filter(closed, v.reached.is_(True)),
    ).where(sa.or_(closed, still_due))).one()
    low = db.session.execute(
        sa.select(v.id, v.satisfaction, v.comment, v.called_at, Claim.id, Claim.number,
                  Dealer.code, Dealer.name)
        .join(Claim, Claim.id == v.claim_id).join(Dealer, Dealer.id == v.dealer_id)
        .where(closed, v.satisfaction <= DISSATISFIED).order_by(v.called_at, v.id).limit(LISTED))
    return {
        "due": made + pending, "made": made, "reached": reached, "not_reached": not_reached,
        "still_due": pending, "rate": percent(reached, made),
        "average": str(Decimal(str(average)).quantize(Decimal("0.01"))) if average else None,
        "dissatisfied": [
            {"id": i, "satisfaction": s, "comment": c, "called_at": moment(at),
             "claim_id": cid, "claim": number, "dealer": f"{code} {name}"}
            for i, s, c, at, cid, number, code, name in low],
    }


def _complaint_counts(week: Week) -> tuple[int, int, int]:
    c = Complaint
    return tuple(db.session.execute(sa.select(
        sa.func.count().filter(week.holds(c.received_at)),
        sa.func.count().filter(week.holds(c.escalated_at)),
        sa.func.count().filter(week.holds(c.resolved_at)))).one())


def complaints(week: Week, now: datetime) -> dict:
    """Received, escalated and resolved in the week; those open now (the clerk's queue),
    listed oldest first."""
    c = Complaint
    received, escalated, resolved = _complaint_counts(week)
    open_rows = db.session.execute(
        COMPLAINTS.ordered(WHOLE_VIEW, now).with_only_columns(
            c.id, c.number, c.customer_name, c.status, c.received_at, c.description,
            Dealer.code, Dealer.name).outerjoin(Dealer, Dealer.id == c.dealer_id)).all()
    return {
        "received": received, "escalated": escalated, "resolved": resolved,
        "open": len(open_rows),
        "open_list": [
            {"id": i, "number": n, "customer": who, "status": s.value,
             "received_at": moment(at), "description": text[:200],
             "dealer": f"{code} {name}" if code else ""}
            for i, n, who, s, at, text, code, name in open_rows[:LISTED]],
    }


def _request_counts(week: Week) -> tuple[int, int]:
    r = ServiceRequest
    return tuple(db.session.execute(sa.select(
        sa.func.count().filter(week.holds(r.received_at)),
        sa.func.count().filter(week.holds(r.arranged_at), r.arranged_at > r.arrange_due_at),
    )).one())


def requests(week: Week, now: datetime) -> dict:
    """Received in the week, arranged late in the week, and overdue now (the escalation
    queue, by its deadline)."""
    r = ServiceRequest
    received, late = _request_counts(week)
    overdue = db.session.execute(
        OVERDUE.ordered(WHOLE_VIEW, now).with_only_columns(
            r.id, r.number, r.customer_name, r.status, r.received_at, due_column(),
            Dealer.code, Dealer.name).outerjoin(Dealer, Dealer.id == r.dealer_id)).all()
    return {
        "received": received, "arranged_late": late, "overdue": len(overdue),
        "overdue_list": [
            {"id": i, "number": n, "customer": who, "status": s.value,
             "received_at": moment(at), "due_at": moment(due),
             "age_hours": int((now - at).total_seconds() // 3600),
             "dealer": f"{code} {name}" if code else ""}
            for i, n, who, s, at, due, code, name in overdue[:LISTED]],
    }


def alerts() -> dict:
    """The early-warning alerts not closed, the oldest first."""
    a = BatchAlert
    rows = db.session.execute(
        sa.select(a.id, a.batch, a.status, a.failures, a.expected, a.units, a.raised_at,
                  Part.part_number, Part.name)
        .join(Part, Part.id == a.part_id)
        .where(a.status.in_(OPEN_ALERT)).order_by(a.raised_at, a.id)).all()
    return {"open": len(rows), "list": [
        {"id": i, "batch": batch, "status": status.value, "failures": failures,
         "expected": str(Decimal(expected).quantize(Decimal("0.01"))), "units": units,
         "raised_at": moment(raised), "part": f"{number} {name}"}
        for i, batch, status, failures, expected, units, raised, number, name in rows]}


def failures(week: Week) -> dict:
    """Claims failed in the week: how many, the top fault codes and the top parts."""
    failed = sa.and_(Claim.status.in_(FAILURE_STATUSES),
                     Claim.failure_date.between(week.start, week.end))
    total = db.session.scalar(sa.select(sa.func.count(Claim.id)).where(failed))
    n = sa.func.count(Claim.id).label("n")
    faults = db.session.execute(
        sa.select(FaultCode.code, FaultCode.description, n)
        .join(Claim, Claim.fault_code_id == FaultCode.id).where(failed)
        .group_by(FaultCode.id, FaultCode.code, FaultCode.description)
        .order_by(n.desc(), FaultCode.code).limit(TOP)).all()
    q = sa.func.coalesce(sa.func.sum(ClaimLine.quantity), 0).label("q")
    parts = db.session.execute(
        sa.select(Part.part_number, Part.name, q, sa.func.count(sa.distinct(Claim.id)))
        .join(ClaimLine, ClaimLine.part_id == Part.id).join(Claim, Claim.id == ClaimLine.claim_id)
        .where(failed, ClaimLine.kind == LineKind.PART, ClaimLine.decision != Decision.REJECTED)
        .group_by(Part.id, Part.part_number, Part.name)
        .order_by(q.desc(), Part.part_number).limit(TOP)).all()
    return {
        "claims": total,
        "faults": [{"code": c, "description": d, "claims": k} for c, d, k in faults],
        "parts": [{"part_number": p, "name": name, "quantity": int(qty), "claims": k}
                  for p, name, qty, k in parts],
    }


def cost(week: Week) -> dict:
    """Technically approved cost of the claims decided in the week, by cost type and in total;
    write-off notices the dealers confirmed in the week."""
    decided = sa.and_(Claim.status.in_(APPROVED_CLAIMS), week.holds(Claim.decided_at))
    claims, total = db.session.execute(sa.select(
        sa.func.count(Claim.id), sa.func.coalesce(sa.func.sum(Claim.total_approved), 0))
        .where(decided)).one()
    by_kind = dict(db.session.execute(
        sa.select(ClaimLine.kind, sa.func.coalesce(sa.func.sum(ClaimLine.approved_amount), 0))
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .where(decided, ClaimLine.decision.in_(APPROVED_LINES))
        .group_by(ClaimLine.kind)).all())
    notices, notices_total = db.session.execute(sa.select(
        sa.func.count(WriteOffNotice.id), sa.func.coalesce(sa.func.sum(WriteOffNotice.total), 0))
        .where(WriteOffNotice.status == NoticeStatus.CONFIRMED,
               week.holds(WriteOffNotice.confirmed_at))).one()
    return {
        "claims": claims, "total": amount(total),
        "by_kind": {kind.value: amount(by_kind.get(kind)) for kind in LineKind},
        "notices": notices, "notices_total": amount(notices_total),
    }


def headline(week: Week) -> dict:
    """The few numbers compared with the previous week."""
    v, (received, _e, _r), (requests_in, late) = (
        visits(week), _complaint_counts(week), _request_counts(week))
    return {"visits_made": v["made"], "visits_reached": v["reached"], "complaints": received,
            "requests": requests_in, "arranged_late": late,
            "failures": failures(week)["claims"], "cost": cost(week)["total"]}

