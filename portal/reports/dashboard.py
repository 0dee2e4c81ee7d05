"""The head-office dashboard: every role's queues as tiles (count, oldest item, link), today's
alerts and the overdue items. One aggregate query per tile (a few tiles share one); a sales rep's
counts cover only its dealers. The lists under the tiles load a fixed number of rows.

Head office's counts are the same for every head-office user and read hundreds of thousands of
rows (every claim waiting to be forwarded, each with a check of its old parts), so its board
reads them from a snapshot (``portal.analytics.snapshots``, "as of" on the page); a rep's
counts, over its own dealers, are counted when asked."""

from dataclasses import dataclass
from datetime import date, datetime, time
from types import SimpleNamespace

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.accounts.roles import Role
from portal.claims.models import OPEN_FOR_REVIEW, Claim, ClaimStatus, FinanceStage, UnitFlag
from portal.core.db import SHANGHAI
from portal.dealers.scope import in_scope, scoped
from portal.deliveries.models import DeliveryNote
from portal.deliveries.scope import visible_notes
from portal.deliveries.services import chase_summary, overdue_notes
from portal.extensions import db
from portal.finance.audit import ready_for_finance
from portal.finance.models import NoticeStatus, WriteOffNotice
from portal.planning.models import PlanStatus, StockingPlan
from portal.planning.overview import missing_by_season
from portal.planning.scope import visible_plans
from portal.quality.models import OPEN_ALERT, BatchAlert
from portal.returns.models import OwedPart, OwedStatus, ReturnShipment
from portal.returns.receipt import OPEN as SHIPMENT_OPEN
from portal.returns.verdicts import past_due
from portal.service import deadlines
from portal.service.followup_scope import visible_flags
from portal.service.models import (
    Complaint,
    ComplaintStatus,
    RequestStatus,
    ReturnVisit,
    ServiceRequest,
    VisitStatus,
)
from portal.service.scope import visible_requests
from portal.stock.work import head_office_box

LISTED = 10
ALERTS_URL = "/quality/alerts"  # the early-warning pages (portal/quality), linked by path


@dataclass
class Tile:
    key: str
    label: str
    count: int
    oldest: date | datetime | None
    url: str
    age_days: int | None = None
    alert: bool = False  # shown highlighted: overdue work, new alerts
    note: str = ""


# Whom a snapshot's counts are made for: every head-office user sees all of it.
HEAD_OFFICE = SimpleNamespace(role=Role.ADMIN, id=None, dealer_id=None)


def _encode(values) -> list:
    return [{"date": v.isoformat()} if isinstance(v, date) and not isinstance(v, datetime)
            else {"datetime": v.isoformat()} if isinstance(v, datetime) else v for v in values]


def _decode(values) -> list:
    def one(v):
        if isinstance(v, dict):
            kind, text = next(iter(v.items()))
            return date.fromisoformat(text) if kind == "date" else datetime.fromisoformat(text)
        return v
    return [one(v) for v in values]


class Board:
    """The figures of one user's dashboard at one instant (``stored``: from a snapshot)."""

    def __init__(self, user, now: datetime, stored: dict | None = None):
        self.user, self.now, self.stored = user, now, stored
        self.today = now.astimezone(SHANGHAI).date()
        self.scoped = scoped(user)  # a sales rep: the dashboard is head office's

    def figure(self, name: str) -> list:
        """One of FIGURES: from the snapshot when the board reads one, else counted now."""
        if self.stored is not None:
            return _decode(self.stored[name])
        return list(FIGURES[name](self))

    def mine(self, column):
        """SQL: the record's dealer is one the user covers (always true for head office)."""
        return in_scope(column, self.user)

    def age(self, oldest) -> int | None:
        if oldest is None:
            return None
        day = oldest.astimezone(SHANGHAI).date() if isinstance(oldest, datetime) else oldest
        return (self.today - day).days

    def tile(self, key, label, count, oldest, url, **extra) -> Tile:
        return Tile(key, str(label), count or 0, oldest, url, self.age(oldest), **extra)

    def pile(self, column, *where):
        """(count, oldest) of the rows matching ``where``, in one query."""
        return db.session.execute(
            sa.select(sa.func.count(), sa.func.min(column)).where(*where)).one()


FIGURES = {}  # name: the function of a Board counting one tile's figures (a few values)


def figure(function):
    FIGURES[function.__name__] = function
    return function


@figure
def review(b: Board):
    return b.pile(Claim.submitted_at, Claim.status.in_(OPEN_FOR_REVIEW), b.mine(Claim.dealer_id))


@figure
def samples(b: Board):
    return b.pile(Claim.decided_at, Claim.status == ClaimStatus.APPROVED, Claim.sampled,
                  Claim.sample_reviewed_at.is_(None), b.mine(Claim.dealer_id))


@figure
def judge(b: Board):
    return b.pile(OwedPart.received_on, OwedPart.status == OwedStatus.RECEIVED,
                  OwedPart.verdict.is_(None), b.mine(OwedPart.dealer_id))


def technical_tiles(b: Board) -> list[Tile]:
    review, samples, judge = b.figure("review"), b.figure("samples"), b.figure("judge")
    return [
        b.tile("claims_to_decide", _l("Claims to decide"), *review,
               url_for("claims.index", status="review")),
        b.tile("samples", _l("Rules-approved samples to review"), *samples,
               url_for("claims.index", sample="1", status="approved")),
        b.tile("parts_to_judge", _l("Old parts to judge"), *judge,
               url_for("returns.verdict_queue")),
    ]


@figure
def alerts(b: Board):
    start = datetime.combine(b.today, time(), SHANGHAI)
    return db.session.execute(sa.select(
        sa.func.count(), sa.func.min(BatchAlert.raised_at),
        sa.func.count().filter(BatchAlert.raised_at >= start))
        .where(BatchAlert.status.in_(OPEN_ALERT))).one()


def alert_tile(b: Board) -> tuple[Tile, list[BatchAlert]]:
    start = datetime.combine(b.today, time(), SHANGHAI)
    count, oldest, today = b.figure("alerts")
    raised = db.session.scalars(
        sa.select(BatchAlert).where(BatchAlert.status.in_(OPEN_ALERT),
                                    BatchAlert.raised_at >= start)
        .options(selectinload(BatchAlert.part)).order_by(BatchAlert.raised_at.desc())
        .limit(LISTED)).all() if today else []
    tile = b.tile("open_alerts", _l("Open batch alerts"), count, oldest, ALERTS_URL,
                  alert=bool(today), note=str(_l("%(n)d raised today", n=today)) if today else "")
    return tile, raised


@figure
def requests(b: Board):
    r = ServiceRequest

    def part(condition, column):
        return sa.func.count().filter(condition), sa.func.min(column).filter(condition)

    return db.session.execute(visible_requests(b.user).with_only_columns(
        *part(r.status == RequestStatus.NEW, r.received_at),
        *part(r.status == RequestStatus.ROUTED, r.arrange_due_at),
        *part(r.status == RequestStatus.ARRANGED, r.check_due_at),
        *part(deadlines.overdue_clause(b.now), deadlines.due_column()))
        .where(r.status.in_(deadlines.OPEN_WORK))).one()  # all four are of open entries


def service_tiles(b: Board) -> list[Tile]:
    row = b.figure("requests")
    return [
        b.tile("requests_to_route", _l("Service requests to route"), *row[0:2],
               url_for("service.index", status="new")),
        b.tile("requests_to_arrange", _l("Service requests to arrange"), *row[2:4],
               url_for("service.index", status="routed")),
        b.tile("requests_to_check", _l("Service requests to check"), *row[4:6],
               url_for("service.index", status="arranged")),
        b.tile("requests_overdue", _l("Service requests overdue"), *row[6:8],
               url_for("service.escalation"), alert=bool(row[6])),
    ]


@figure
def receive(b: Board):
    return b.pile(ReturnShipment.shipped_on, ReturnShipment.status.in_(SHIPMENT_OPEN),
                  b.mine(ReturnShipment.dealer_id))


@figure
def visits(b: Board):
    return b.pile(ReturnVisit.due_on, ReturnVisit.status == VisitStatus.OPEN,
                  ReturnVisit.due_on <= b.today, b.mine(ReturnVisit.dealer_id))


@figure
def complaints(b: Board):
    return b.pile(Complaint.received_at, Complaint.status.in_(
        (ComplaintStatus.OPEN, ComplaintStatus.ESCALATED)), b.mine(Complaint.dealer_id))


@figure
def flags(b: Board):
    return db.session.execute(visible_flags(b.user).with_only_columns(
        sa.func.count(UnitFlag.id), sa.func.min(UnitFlag.raised_at))
        .where(UnitFlag.resolved_at.is_(None))).one()


def clerk_tiles(b: Board) -> list[Tile]:
    receive, visits = b.figure("receive"), b.figure("visits")
    complaints, flags = b.figure("complaints"), b.figure("flags")
    return [
        b.tile("parts_to_receive", _l("Old-part shipments to receive"), *receive,
               url_for("returns.incoming")),
        *service_tiles(b),
        b.tile("visits_due", _l("Return visits due"), *visits, url_for("followup.visits")),
        b.tile("complaints_open", _l("Complaints open"), *complaints,
               url_for("followup.complaints")),
        b.tile("flags_open", _l("Entitlement flags open"), *flags, url_for("followup.flags")),
    ]


@figure
def forward(b: Board):
    forward = sa.and_(Claim.finance_stage.is_(None), b.mine(Claim.dealer_id),
                      Claim.status.in_((ClaimStatus.APPROVED, ClaimStatus.PARTLY_APPROVED)))
    return db.session.execute(sa.select(
        sa.func.count(Claim.id), sa.func.min(Claim.decided_at),
        sa.func.count(Claim.id).filter(ready_for_finance())).where(forward)).one()


@figure
def owed(b: Board):
    owed = past_due(b.user, b.today).subquery()
    return db.session.execute(
        sa.select(sa.func.count(owed.c.id), sa.func.min(owed.c.due_on))).one()


@figure
def notes(b: Board):
    notes = chase_summary(visible_notes(b.user), b.today)
    return notes["waiting"], notes["oldest"], notes["overdue"]


@figure
def plans(b: Board):
    return db.session.execute(visible_plans(b.user).with_only_columns(
        sa.func.count(StockingPlan.id), sa.func.min(StockingPlan.submitted_at))
        .where(StockingPlan.status == PlanStatus.SUBMITTED)).one()


@figure
def missing(b: Board):
    return (sum(n for _season, n in missing_by_season(b.user, b.today)),)


@figure
def stock(b: Board):
    stock = head_office_box(b.user)["requested"]
    return stock.count, stock.oldest


def rep_tiles(b: Board) -> list[Tile]:
    count, oldest, ready = b.figure("forward")
    owed_count, owed_oldest = b.figure("owed")
    waiting, waiting_oldest, overdue = b.figure("notes")
    (missing,) = b.figure("missing")
    return [
        b.tile("claims_to_forward", _l("Claims to forward to finance"), count, oldest,
               url_for("finance.claims", queue="forward"),
               note=str(_l("%(n)d ready", n=ready))),
        b.tile("parts_overdue", _l("Old parts overdue"), owed_count, owed_oldest,
               url_for("returns.overdue"), alert=bool(owed_count)),
        b.tile("notes_waiting", _l("Delivery notes awaiting the dealer"), waiting,
               waiting_oldest, url_for("deliveries.index"),
               note=str(_l("%(n)d overdue", n=overdue)), alert=bool(overdue)),
        b.tile("plans_to_review", _l("Stocking plans to review"), *b.figure("plans"),
               url_for("planning.index")),
        b.tile("plans_missing", _l("Stocking plans missing"), missing, None,
               url_for("planning.index", missing="1"), alert=bool(missing)),
        b.tile("stock_to_decide", _l("Stock returns to decide"), *b.figure("stock"),
               url_for("stock.index", status="requested")),
    ]


@figure
def audit(b: Board):
    return b.pile(Claim.forwarded_at, Claim.finance_stage == FinanceStage.FORWARDED,
                  b.mine(Claim.dealer_id))


@figure
def notices(b: Board):
    """(count, oldest) of the notices issued, then of those disputed."""
    found = {status: (n, oldest) for status, n, oldest in db.session.execute(
        sa.select(WriteOffNotice.status, sa.func.count(), sa.func.min(WriteOffNotice.issued_at))
        .where(WriteOffNotice.status.in_((NoticeStatus.ISSUED, NoticeStatus.DISPUTED)),
               b.mine(WriteOffNotice.dealer_id)).group_by(WriteOffNotice.status))}
    return (*found.get(NoticeStatus.ISSUED, (0, None)),
            *found.get(NoticeStatus.DISPUTED, (0, None)))


def finance_tiles(b: Board) -> list[Tile]:
    audit = b.figure("audit")
    issued, issued_oldest, disputed, disputed_oldest = b.figure("notices")
    return [
        b.tile("claims_to_audit", _l("Claims to audit"), *audit,
               url_for("finance.claims", queue="audit")),
        b.tile("notices_waiting", _l("Notices waiting for dealers"), issued, issued_oldest,
               url_for("finance.notices", status="issued")),
        b.tile("notices_disputed", _l("Notices disputed"), disputed, disputed_oldest,
               url_for("finance.notices", status="disputed"), alert=bool(disputed)),
    ]


def overdue_lists(b: Board) -> dict:
    """The overdue items themselves, the longest overdue first, a few of each."""
    requests = db.session.scalars(
        deadlines.escalation_query(b.now, visible_requests(b.user))
        .options(selectinload(ServiceRequest.dealer)).limit(LISTED)).all()
    parts = db.session.scalars(
        past_due(b.user, b.today).order_by(OwedPart.due_on, OwedPart.id)
        .limit(LISTED)).all()
    notes = db.session.scalars(
        overdue_notes(visible_notes(b.user), b.today)
        .options(selectinload(DeliveryNote.dealer))
        .order_by(DeliveryNote.shipped_on, DeliveryNote.id).limit(LISTED)).all()
    return {"requests": requests, "parts": parts, "notes": notes}


def head_office_figures(now: datetime) -> dict:
    """Every tile's figures for head office at ``now``, as a snapshot keeps them."""
    b = Board(HEAD_OFFICE, now)
    return {name: _encode(count(b)) for name, count in FIGURES.items()}


def dashboard(user, now: datetime, stored: dict | None = None) -> dict:
    """Everything the dashboard page shows, for ``user`` at ``now`` (the tiles' figures from
    ``stored``, ``head_office_figures`` of a moment before, when given)."""
    b = Board(user, now, stored)
    alert, raised_today = alert_tile(b)
    groups = [
        (_l("Technical department"), [*technical_tiles(b), alert]),
        (_l("Sales clerk"), clerk_tiles(b)),
        (_l("Sales reps"), rep_tiles(b)),
        (_l("Finance"), finance_tiles(b)),
    ]
    return {"groups": groups, "raised_today": raised_today, "overdue": overdue_lists(b),
            "now": now, "today": b.today, "scoped": b.scoped}
