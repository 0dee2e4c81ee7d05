"""The head-office dashboard: every role's queues as tiles (count, oldest item, link), today's
alerts and the overdue items. Each tile is a work queue (``portal.core.queues``), counted with
the scope of the user (a sales rep's cover only its dealers), one aggregate query per tile or per
group of tiles of one scope. The lists under the tiles load a fixed number of rows.

Head office's counts are the same for every head-office user and read hundreds of thousands of
rows (every claim waiting to be forwarded, each with a check of its old parts), so its board
reads them from a snapshot (``portal.analytics.snapshots``, "as of" on the page); a rep's
counts, over its own dealers, are counted when asked."""

from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from portal.accounts.roles import WHOLE_VIEW
from portal.cases import queues as case_queues
from portal.catalog.models import Part
from portal.claims import queues as claim_queues
from portal.claims.models import Claim
from portal.core.db import SHANGHAI
from portal.core.queues import Queue, piles
from portal.dealers.models import Dealer
from portal.dealers.scope import scoped
from portal.deliveries import queues as note_queues
from portal.deliveries.models import DeliveryNote
from portal.extensions import db
from portal.finance import queues as finance_queues
from portal.finance.audit import ready_for_finance
from portal.planning import queues as plan_queues
from portal.planning.overview import missing_by_season
from portal.quality.models import OPEN_ALERT, BatchAlert
from portal.returns import queues as return_queues
from portal.returns.models import OwedPart
from portal.service import queues as service_queues
from portal.service.models import (
    ServiceRequest,
)
from portal.stock import queues as stock_queues

LISTED = 10
ALERTS_URL = "/quality/alerts"  # the early-warning pages (portal/quality), linked by path


@dataclass
class Tile:
    key: str
    label: str
    count: int
    oldest: date | datetime | None
    url: str | None  # None: a queue whose list page the reader may not open
    age_days: int | None = None
    alert: bool = False  # shown highlighted: overdue work, new alerts
    note: str = ""


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
        if self.stored is not None and name in self.stored:  # else a figure new since then
            return _decode(self.stored[name])
        return list(FIGURES[name](self))

    def age(self, oldest) -> int | None:
        if oldest is None:
            return None
        day = oldest.astimezone(SHANGHAI).date() if isinstance(oldest, datetime) else oldest
        return (self.today - day).days

    def tile(self, key, label, count, oldest, url, **extra) -> Tile:
        return Tile(key, str(label), count or 0, oldest, url, self.age(oldest), **extra)

    def piles(self, *queues: Queue) -> list:
        """(count, oldest) of each of ``queues`` for the user, one after the other."""
        return [value for pile in piles(queues, self.user, self.now)
                for value in (pile.count, pile.oldest)]

    def queue_tile(self, key, queue: Queue, count, oldest, **extra) -> Tile:
        url = queue.url() if queue.open_to(self.user) else None
        return self.tile(key, queue.label, count, oldest, url, **extra)


FIGURES = {}  # name: the function of a Board counting one tile's figures (a few values)


def figure(function):
    FIGURES[function.__name__] = function
    return function


@figure
def to_review(b: Board):
    return b.piles(claim_queues.REVIEW, claim_queues.SAMPLES)


@figure
def judge(b: Board):
    return b.piles(return_queues.JUDGE)


@figure
def cases_technical(b: Board):
    return b.piles(case_queues.TO_DECIDE, case_queues.MACHINES_TO_JUDGE)


def technical_tiles(b: Board) -> list[Tile]:
    review, cases = b.figure("to_review"), b.figure("cases_technical")
    return [
        b.queue_tile("claims_to_decide", claim_queues.REVIEW, *review[0:2]),
        b.queue_tile("samples", claim_queues.SAMPLES, *review[2:4]),
        b.queue_tile("parts_to_judge", return_queues.JUDGE, *b.figure("judge")),
        b.queue_tile("cases_to_decide", case_queues.TO_DECIDE, *cases[0:2]),
        b.queue_tile("case_machines_to_judge", case_queues.MACHINES_TO_JUDGE, *cases[2:4]),
    ]


@figure
def alerts(b: Board):
    start = datetime.combine(b.today, time(), SHANGHAI)
    return db.session.execute(sa.select(
        sa.func.count(), sa.func.min(BatchAlert.raised_at),
        sa.func.count().filter(BatchAlert.raised_at >= start))
        .where(BatchAlert.status.in_(OPEN_ALERT))).one()


def _part_names(column) -> tuple:
    """The part's number and name, as subqueries read for the rows kept (a join let SQLite
    start from the parts)."""
    return tuple(sa.select(c).where(Part.id == column).scalar_subquery().label(c.key)
                 for c in (Part.part_number, Part.name))


def alert_tile(b: Board) -> tuple[Tile, list]:
    """The open alerts' tile, and today's alerts as rows of what a line names."""
    start = datetime.combine(b.today, time(), SHANGHAI)
    count, oldest, today = b.figure("alerts")
    a = BatchAlert
    raised = db.session.execute(
        sa.select(a.id, a.batch, a.failures, a.expected, *_part_names(a.part_id))
        .where(a.status.in_(OPEN_ALERT), a.raised_at >= start)
        .order_by(a.raised_at.desc()).limit(LISTED)).all() if today else []
    tile = b.tile("open_alerts", _l("Open batch alerts"), count, oldest, ALERTS_URL,
                  alert=bool(today), note=str(_l("%(n)d raised today", n=today)) if today else "")
    return tile, raised


SERVICE = (service_queues.TO_ROUTE, service_queues.TO_ARRANGE, service_queues.TO_CHECK,
           service_queues.OVERDUE)


@figure
def requests(b: Board):
    return b.piles(*SERVICE)


def service_tiles(b: Board) -> list[Tile]:
    row = b.figure("requests")
    keys = ("requests_to_route", "requests_to_arrange", "requests_to_check", "requests_overdue")
    return [b.queue_tile(key, queue, *row[2 * i:2 * i + 2],
                         alert=queue is service_queues.OVERDUE and bool(row[2 * i]))
            for i, (key, queue) in enumerate(zip(keys, SERVICE, strict=True))]


@figure
def receive(b: Board):
    return b.piles(return_queues.RECEIVE)


@figure
def followup(b: Board):
    return b.piles(service_queues.VISITS, service_queues.COMPLAINTS, service_queues.FLAGS)


@figure
def cases_clerk(b: Board):
    """The cases to carry out, their machines to receive, head-office repairs' parts to take
    in."""
    return b.piles(case_queues.TO_CARRY_OUT, case_queues.MACHINES_TO_RECEIVE,
                   return_queues.TAKE_IN)


def clerk_tiles(b: Board) -> list[Tile]:
    followup, cases = b.figure("followup"), b.figure("cases_clerk")
    return [
        b.queue_tile("parts_to_receive", return_queues.RECEIVE, *b.figure("receive")),
        b.queue_tile("parts_to_take_in", return_queues.TAKE_IN, *cases[4:6]),
        b.queue_tile("cases_to_carry_out", case_queues.TO_CARRY_OUT, *cases[0:2]),
        b.queue_tile("case_machines_to_receive", case_queues.MACHINES_TO_RECEIVE,
                     *cases[2:4]),
        *service_tiles(b),
        b.queue_tile("visits_due", service_queues.VISITS, *followup[0:2]),
        b.queue_tile("complaints_open", service_queues.COMPLAINTS, *followup[2:4]),
        b.queue_tile("flags_open", service_queues.FLAGS, *followup[4:6]),
    ]


@figure
def forward(b: Board):
    """The claims to forward (count, oldest), and how many of them are ready (``count(*)``
    read from ``ix_claims_to_forward`` alone, as ``rep_work``)."""
    forward = finance_queues.FORWARD
    return db.session.execute(forward.select(b.user, b.now).with_only_columns(
        sa.func.count(), sa.func.min(forward.since),
        sa.func.count().filter(ready_for_finance()))).one()


@figure
def owed(b: Board):
    return b.piles(return_queues.OVERDUE)


@figure
def notes(b: Board):
    """The notes waiting for their dealer (count, oldest), and how many are overdue."""
    waiting, overdue = piles([note_queues.WAITING, note_queues.OVERDUE], b.user, b.now)
    return waiting.count, waiting.oldest, overdue.count


@figure
def plans(b: Board):
    return b.piles(plan_queues.TO_REVIEW)


@figure
def missing(b: Board):
    return (sum(n for _season, n in missing_by_season(b.user, b.today)),)


@figure
def stock(b: Board):
    return b.piles(stock_queues.TO_DECIDE)


def rep_tiles(b: Board) -> list[Tile]:
    count, oldest, ready = b.figure("forward")
    owed_count, owed_oldest = b.figure("owed")
    waiting, waiting_oldest, overdue = b.figure("notes")
    (missing,) = b.figure("missing")
    return [
        b.queue_tile("claims_to_forward", finance_queues.FORWARD, count, oldest,
                     note=str(_l("%(n)d ready", n=ready))),
        b.queue_tile("parts_overdue", return_queues.OVERDUE, owed_count, owed_oldest,
                     alert=bool(owed_count)),
        b.queue_tile("notes_waiting", note_queues.WAITING, waiting, waiting_oldest,
                     note=str(_l("%(n)d overdue", n=overdue)), alert=bool(overdue)),
        b.queue_tile("plans_to_review", plan_queues.TO_REVIEW, *b.figure("plans")),
        b.tile("plans_missing", _l("Stocking plans missing"), missing, None,
               url_for("planning.index", missing="1"), alert=bool(missing)),
        b.queue_tile("stock_to_decide", stock_queues.TO_DECIDE, *b.figure("stock")),
    ]


@figure
def audit(b: Board):
    return b.piles(finance_queues.AUDIT)


@figure
def notices(b: Board):
    """(count, oldest) of the notices issued, then of those disputed."""
    return b.piles(finance_queues.NOTICES_ISSUED, finance_queues.NOTICES_DISPUTED)


def finance_tiles(b: Board) -> list[Tile]:
    issued, issued_oldest, disputed, disputed_oldest = b.figure("notices")
    return [
        b.queue_tile("claims_to_audit", finance_queues.AUDIT, *b.figure("audit")),
        b.queue_tile("notices_waiting", finance_queues.NOTICES_ISSUED, issued, issued_oldest),
        b.queue_tile("notices_disputed", finance_queues.NOTICES_DISPUTED, disputed,
                     disputed_oldest, alert=bool(disputed)),
    ]


def overdue_lists(b: Board) -> dict:
    """The overdue items themselves, the longest overdue first, a few of each: only the columns
    a line shows, read as rows from the queues' own SELECTs."""
    r, p, n = ServiceRequest, OwedPart, DeliveryNote
    requests = db.session.execute(
        service_queues.OVERDUE.ordered(b.user, b.now)
        .with_only_columns(r.id, r.number, r.customer_name, r.received_at,
                           _dealer_name(r.dealer_id))
        .limit(LISTED)).all()
    parts = db.session.execute(
        return_queues.OVERDUE.ordered(b.user, b.now)
        .join(Claim, p.claim_id == Claim.id).join(Part, p.part_id == Part.id)
        .with_only_columns(p.id, p.due_on, Claim.number.label("claim"), Part.part_number,
                           Part.name.label("part"), _dealer_name(p.dealer_id))
        .limit(LISTED)).all()
    notes = db.session.execute(
        note_queues.OVERDUE.ordered(b.user, b.now)
        .with_only_columns(n.id, n.number, n.shipped_on, _dealer_name(n.dealer_id))
        .limit(LISTED)).all()
    return {"requests": requests, "parts": parts, "notes": notes}


# An alias, made once (a new one per request would make every statement new to SQLAlchemy's
# compiled cache): never correlated with a rep's scope, a subquery of dealers on PostgreSQL.
_NAMED = aliased(Dealer, name="named_dealer")


def _dealer_name(column):
    """The row's dealer's name, as a subquery: SQLite reads it for the rows kept after sorting
    (a join would read it for every overdue row)."""
    return sa.select(_NAMED.name).where(_NAMED.id == column).scalar_subquery().label("dealer")


def head_office_figures(now: datetime) -> dict:
    """Every tile's figures for head office at ``now``, as a snapshot keeps them."""
    b = Board(WHOLE_VIEW, now)
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
