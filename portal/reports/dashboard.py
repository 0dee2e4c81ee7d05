"""The head-office dashboard: every role's queues as tiles (count, oldest item, link), today's
alerts and the overdue items. One aggregate query per tile (a few tiles share one); a sales rep's
counts cover only its dealers. The lists under the tiles load a fixed number of rows."""

from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.accounts.roles import Role
from portal.claims.models import OPEN_FOR_REVIEW, Claim, ClaimStatus, FinanceStage, UnitFlag
from portal.core.db import SHANGHAI
from portal.dealers.scope import dealer_ids_for
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


class Board:
    """The figures of one user's dashboard at one instant."""

    def __init__(self, user, now: datetime):
        self.user, self.now = user, now
        self.today = now.astimezone(SHANGHAI).date()
        self.scoped = user.role == Role.SALES_REP

    def mine(self, column):
        """SQL: the record's dealer is one the user covers (always true for head office)."""
        return column.in_(dealer_ids_for(self.user)) if self.scoped else sa.true()

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


def technical_tiles(b: Board) -> list[Tile]:
    review = b.pile(Claim.submitted_at, Claim.status.in_(OPEN_FOR_REVIEW), b.mine(Claim.dealer_id))
    samples = b.pile(Claim.decided_at, Claim.status == ClaimStatus.APPROVED, Claim.sampled,
                     Claim.sample_reviewed_at.is_(None), b.mine(Claim.dealer_id))
    judge = b.pile(OwedPart.received_on, OwedPart.status == OwedStatus.RECEIVED,
                   OwedPart.verdict.is_(None), b.mine(OwedPart.dealer_id))
    return [
        b.tile("claims_to_decide", _l("Claims to decide"), *review,
               url_for("claims.index", status="review")),
        b.tile("samples", _l("Rules-approved samples to review"), *samples,
               url_for("claims.index", sample="1", status="approved")),
        b.tile("parts_to_judge", _l("Old parts to judge"), *judge,
               url_for("returns.verdict_queue")),
    ]


def alert_tile(b: Board) -> tuple[Tile, list[BatchAlert]]:
    start = datetime.combine(b.today, time(), SHANGHAI)
    count, oldest, today = db.session.execute(sa.select(
        sa.func.count(), sa.func.min(BatchAlert.raised_at),
        sa.func.count().filter(BatchAlert.raised_at >= start))
        .where(BatchAlert.status.in_(OPEN_ALERT))).one()
    raised = db.session.scalars(
        sa.select(BatchAlert).where(BatchAlert.status.in_(OPEN_ALERT),
                                    BatchAlert.raised_at >= start)
        .options(selectinload(BatchAlert.part)).order_by(BatchAlert.raised_at.desc())
        .limit(LISTED)).all() if today else []
    tile = b.tile("open_alerts", _l("Open batch alerts"), count, oldest, ALERTS_URL,
                  alert=bool(today), note=str(_l("%(n)d raised today", n=today)) if today else "")
    return tile, raised


def service_tiles(b: Board) -> list[Tile]:
    r = ServiceRequest

    def part(condition, column):
        return sa.func.count().filter(condition), sa.func.min(column).filter(condition)

    row = db.session.execute(visible_requests(b.user).with_only_columns(
        *part(r.status == RequestStatus.NEW, r.received_at),
        *part(r.status == RequestStatus.ROUTED, r.arrange_due_at),
        *part(r.status == RequestStatus.ARRANGED, r.check_due_at),
        *part(deadlines.overdue_clause(b.now), deadlines.due_column()))
        .where(r.status.in_(deadlines.OPEN_WORK))).one()  # all four are of open entries
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


def clerk_tiles(b: Board) -> list[Tile]:
    receive = b.pile(ReturnShipment.shipped_on, ReturnShipment.status.in_(SHIPMENT_OPEN),
                     b.mine(ReturnShipment.dealer_id))
    visits = b.pile(ReturnVisit.due_on, ReturnVisit.status == VisitStatus.OPEN,
                    ReturnVisit.due_on <= b.today, b.mine(ReturnVisit.dealer_id))
    complaints = b.pile(Complaint.received_at, Complaint.status.in_(
        (ComplaintStatus.OPEN, ComplaintStatus.ESCALATED)), b.mine(Complaint.dealer_id))
    flags = db.session.execute(visible_flags(b.user).with_only_columns(
        sa.func.count(UnitFlag.id), sa.func.min(UnitFlag.raised_at))
        .where(UnitFlag.resolved_at.is_(None))).one()
    return [
        b.tile("parts_to_receive", _l("Old-part shipments to receive"), *receive,
               url_for("returns.incoming")),
        *service_tiles(b),
        b.tile("visits_due", _l("Return visits due"), *visits, url_for("followup.visits")),
        b.tile("complaints_open", _l("Complaints open"), *complaints,
               url_for("followup.complaints")),
        b.tile("flags_open", _l("Entitlement flags open"), *flags, url_for("followup.flags")),
    ]


def rep_tiles(b: Board) -> list[Tile]:
    forward = sa.and_(Claim.finance_stage.is_(None), b.mine(Claim.dealer_id),
                      Claim.status.in_((ClaimStatus.APPROVED, ClaimStatus.PARTLY_APPROVED)))
    count, oldest, ready = db.session.execute(sa.select(
        sa.func.count(Claim.id), sa.func.min(Claim.decided_at),
        sa.func.count(Claim.id).filter(ready_for_finance())).where(forward)).one()
    owed = past_due(dealer_ids_for(b.user), b.today).subquery()
    owed_count, owed_oldest = db.session.execute(
        sa.select(sa.func.count(owed.c.id), sa.func.min(owed.c.due_on))).one()
    notes = chase_summary(visible_notes(b.user), b.today)
    plans = db.session.execute(visible_plans(b.user).with_only_columns(
        sa.func.count(StockingPlan.id), sa.func.min(StockingPlan.submitted_at))
        .where(StockingPlan.status == PlanStatus.SUBMITTED)).one()
    missing = sum(n for _season, n in missing_by_season(b.user, b.today))
    stock = head_office_box(b.user)["requested"]
    return [
        b.tile("claims_to_forward", _l("Claims to forward to finance"), count, oldest,
               url_for("finance.claims", queue="forward"),
               note=str(_l("%(n)d ready", n=ready))),
        b.tile("parts_overdue", _l("Old parts overdue"), owed_count, owed_oldest,
               url_for("returns.overdue"), alert=bool(owed_count)),
        b.tile("notes_waiting", _l("Delivery notes awaiting the dealer"), notes["waiting"],
               notes["oldest"], url_for("deliveries.index"),
               note=str(_l("%(n)d overdue", n=notes["overdue"])), alert=bool(notes["overdue"])),
        b.tile("plans_to_review", _l("Stocking plans to review"), *plans,
               url_for("planning.index")),
        b.tile("plans_missing", _l("Stocking plans missing"), missing, None,
               url_for("planning.index", missing="1"), alert=bool(missing)),
        b.tile("stock_to_decide", _l("Stock returns to decide"), stock.count, stock.oldest,
               url_for("stock.index", status="requested")),
    ]


def finance_tiles(b: Board) -> list[Tile]:
    audit = b.pile(Claim.forwarded_at, Claim.finance_stage == FinanceStage.FORWARDED,
                   b.mine(Claim.dealer_id))
    notices = {status: (n, oldest) for status, n, oldest in db.session.execute(
        sa.select(WriteOffNotice.status, sa.func.count(), sa.func.min(WriteOffNotice.issued_at))
        .where(WriteOffNotice.status.in_((NoticeStatus.ISSUED, NoticeStatus.DISPUTED)),
               b.mine(WriteOffNotice.dealer_id)).group_by(WriteOffNotice.status))}
    return [
        b.tile("claims_to_audit", _l("Claims to audit"), *audit,
               url_for("finance.claims", queue="audit")),
        b.tile("notices_waiting", _l("Notices waiting for dealers"),
               *notices.get(NoticeStatus.ISSUED, (0, None)),
               url_for("finance.notices", status="issued")),
        b.tile("notices_disputed", _l("Notices disputed"),
               *notices.get(NoticeStatus.DISPUTED, (0, None)),
               url_for("finance.notices", status="disputed"),
               alert=NoticeStatus.DISPUTED in notices),
    ]


def overdue_lists(b: Board) -> dict:
    """The overdue items themselves, the longest overdue first, a few of each."""
    requests = db.session.scalars(
        deadlines.escalation_query(b.now, visible_requests(b.user))
        .options(selectinload(ServiceRequest.dealer)).limit(LISTED)).all()
    parts = db.session.scalars(
        past_due(dealer_ids_for(b.user), b.today).order_by(OwedPart.due_on, OwedPart.id)
        .limit(LISTED)).all()
    notes = db.session.scalars(
        overdue_notes(visible_notes(b.user), b.today)
        .options(selectinload(DeliveryNote.dealer))
        .order_by(DeliveryNote.shipped_on, DeliveryNote.id).limit(LISTED)).all()
    return {"requests": requests, "parts": parts, "notes": notes}


def dashboard(user, now: datetime) -> dict:
    """Everything the dashboard page shows, for ``user`` at ``now``."""
    b = Board(user, now)
    alert, raised_today = alert_tile(b)
    groups = [
        (_l("Technical department"), [*technical_tiles(b), alert]),
        (_l("Sales clerk"), clerk_tiles(b)),
        (_l("Sales reps"), rep_tiles(b)),
        (_l("Finance"), finance_tiles(b)),
    ]
    return {"groups": groups, "raised_today": raised_today, "overdue": overdue_lists(b),
            "now": now, "today": b.today, "scoped": b.scoped}
