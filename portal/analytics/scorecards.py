"""Dealer scorecards: how each dealer keeps the 三包 rules, figure by figure, with a score.

Every figure is a fraction (numerator / denominator) so the page can explain it. A period is a
run of Shanghai calendar days cut into buckets (one for a period, one per month for a trend);
each figure is one grouped query for all dealers and all buckets at once.

What counts, per dealer:
- cards: non-void cards with a sale in the bucket, filed or past their deadline; on time when
  filed with ``late_days == 0``;
- arrange: service requests routed to the dealer and received in the bucket (those still to
  arrange within their deadline are left out); on time when arranged by ``arrange_due_at``;
- returns: owed parts due in the bucket, counted as portal/returns/compliance.py does (on time
  when received by the due date; waived parts left out);
- rejections: claims decided in the bucket; rejected outright (and their lines rejected);
- visits: return visits due in the bucket, called or overdue; reached ones, their satisfaction;
- complaints: complaints about the dealer received in the bucket, and per 100 units sold.
"""

from collections import defaultdict
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from portal.catalog.models import PolicySettings
from portal.claims.models import Claim, ClaimLine, ClaimStatus, Decision
from portal.core.db import SHANGHAI
from portal.dealers.models import Dealer
from portal.extensions import db
from portal.returns.compliance import compliance_by
from portal.returns.models import OwedPart
from portal.service.deadlines import TO_ARRANGE
from portal.service.models import (
    Assignee,
    Complaint,
    ReturnVisit,
    ServiceRequest,
    VisitStatus,
)
from portal.units.cards import CardStatus, WarrantyCard

# The overall score: points per figure (they add up to 100) for the share of the target met.
# A figure with nothing to count in the period is left out and the others are scaled up.
# Each complaint then takes COMPLAINT_POINTS off, at most COMPLAINT_CAP.
WEIGHTS = {"cards": 15, "arrange": 20, "returns": 20, "rejections": 15, "visits": 15,
           "satisfaction": 15}
COMPLAINT_POINTS = 2
COMPLAINT_CAP = 10
SATISFACTION_TARGET = Decimal("4.9")  # 98 % of 5, DOMAIN.md's "satisfaction 98 % or better"
DECIDED = (ClaimStatus.APPROVED, ClaimStatus.PARTLY_APPROVED, ClaimStatus.REJECTED)
TREND_MONTHS = 12
STANDARD_MONTHS = (3, 6, 12)  # the periods offered, kept as snapshots (analytics.snapshots)


def _rate(num: int, den: int) -> Decimal | None:
    return Decimal(num) / den if den else None


@dataclass(frozen=True)
class Ratio:
    num: int
    den: int

    @property
    def rate(self) -> Decimal | None:
        return _rate(self.num, self.den)

    @property
    def percent(self) -> Decimal | None:
        rate = self.rate
        return None if rate is None else (100 * rate).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class Figures:
    cards_on_time: int = 0
    cards_due: int = 0
    arranged_on_time: int = 0
    requests: int = 0
    parts_on_time: int = 0
    parts_due: int = 0
    claims_rejected: int = 0
    claims_decided: int = 0
    lines_rejected: int = 0
    lines_decided: int = 0
    visits_reached: int = 0
    visits_due: int = 0
    satisfaction_total: int = 0
    satisfaction_count: int = 0
    complaints: int = 0
    units_sold: int = 0

    def add(self, **values) -> None:
        for name, value in values.items():
            setattr(self, name, getattr(self, name) + int(value or 0))

    @property
    def cards(self) -> Ratio:
        return Ratio(self.cards_on_time, self.cards_due)

    @property
    def arrange(self) -> Ratio:
        return Ratio(self.arranged_on_time, self.requests)

    @property
    def returns(self) -> Ratio:
        return Ratio(self.parts_on_time, self.parts_due)

    @property
    def rejections(self) -> Ratio:
        return Ratio(self.claims_rejected, self.claims_decided)

    @property
    def lines(self) -> Ratio:
        return Ratio(self.lines_rejected, self.lines_decided)

    @property
    def visits(self) -> Ratio:
        return Ratio(self.visits_reached, self.visits_due)

    @property
    def satisfaction(self) -> Decimal | None:
        if not self.satisfaction_count:
            return None
        average = Decimal(self.satisfaction_total) / self.satisfaction_count
        return average.quantize(Decimal("0.01"), ROUND_HALF_UP)

    @property
    def complaints_per_100(self) -> Decimal | None:
        if not self.units_sold:
            return None
        return (Decimal(100 * self.complaints) / self.units_sold).quantize(Decimal("0.1"),
                                                                           ROUND_HALF_UP)

    def shares(self) -> dict[str, Decimal | None]:
        """The share of each figure's target met, 0–1 (None: nothing to count). The ratios'
        rates, without building each Ratio: a table's sparklines score a dozen months a row."""
        rejected = _rate(self.claims_rejected, self.claims_decided)
        satisfaction = self.satisfaction
        return {"cards": _rate(self.cards_on_time, self.cards_due),
                "arrange": _rate(self.arranged_on_time, self.requests),
                "returns": _rate(self.parts_on_time, self.parts_due),
                "rejections": None if rejected is None else 1 - rejected,
                "visits": _rate(self.visits_reached, self.visits_due),
                "satisfaction": None if satisfaction is None else satisfaction / 5}

    @property
    def score(self) -> Decimal | None:
        """0–100 by WEIGHTS over the figures there is something to count, less complaints."""
        counted = {k: v for k, v in self.shares().items() if v is not None}
        if not counted:
            return None
        weight = sum(WEIGHTS[k] for k in counted)
        points = 100 * sum(WEIGHTS[k] * min(v, Decimal(1)) for k, v in counted.items()) / weight
        points -= min(COMPLAINT_CAP, COMPLAINT_POINTS * self.complaints)
        return max(Decimal(0), points).quantize(Decimal("0.1"), ROUND_HALF_UP)

    def snapshot(self) -> dict:
        """The counts, as stored with a grade review."""
        return asdict(self)


@dataclass
class Scorecard:
    dealer: Dealer
    figures: Figures
    rank: int | None = None  # among all dealers; None when there is nothing to score
    trend: list = None  # Figures per month, oldest first
    scores: list | None = None  # the trend's scores, when kept (a snapshot's)

    @property
    def score(self) -> Decimal | None:
        return self.figures.score

    @property
    def trend_scores(self) -> list[Decimal | None]:
        """The score of each month of the trend, oldest first."""
        if self.scores is not None:
            return self.scores
        return [month.score for month in self.trend]


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def edges(self) -> list[date]:
        return [self.start, self.end + timedelta(days=1)]


def months_back(count: int, today: date) -> Period:
    """The last ``count`` calendar months, the current one included."""
    return Period(month_starts(count, today)[0], today)


def month_starts(count: int, today: date) -> list[date]:
    """The first days of the last ``count`` months, oldest first."""
    starts, first = [], today.replace(day=1)
    for _ in range(count):
        starts.insert(0, first)
        first = (first - timedelta(days=1)).replace(day=1)
    return starts


def trend_edges(today: date) -> list[date]:
    starts = month_starts(TREND_MONTHS, today)
    return [*starts, (starts[-1] + timedelta(days=32)).replace(day=1)]


def _instants(edges: list[date]) -> list[datetime]:
    """Shanghai midnights as UTC instants, for columns stored in UTC."""
    return [datetime.combine(d, time(), SHANGHAI).astimezone(UTC) for d in edges]


def _bucket(column, edges):
    """SQL: the index of the bucket [edges[i], edges[i+1]) the value falls in."""
    return sa.case(*((column < edge, index) for index, edge in enumerate(edges[1:])))


def _within(column, edges):
    return sa.and_(column >= edges[0], column < edges[-1])


def _sum(condition):
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def collect(dealer_ids, edges: list[date], today: date, now: datetime) -> dict:
    """{(dealer id, bucket index): Figures} for every dealer and bucket with anything to count."""
    found = defaultdict(Figures)
    for query in (_cards, _arranged, _returns, _claims, _lines, _visits, _complaints):
        for dealer_id, bucket, values in query(dealer_ids, edges, today, now):
            found[dealer_id, bucket].add(**values)
    return found


def _rows(stmt, column, edges, names):
    bucket = _bucket(column, edges).label("bucket")
    rows = db.session.execute(stmt.add_columns(bucket).where(_within(column, edges))
                              .group_by(stmt.selected_columns[0], bucket)).all()
    return [(row[0], row[-1], dict(zip(names, row[1:-1], strict=True))) for row in rows]


def _cards(dealer_ids, edges, today, now):
    card = WarrantyCard
    deadline_passed = card.sale_date < today - timedelta(
        days=PolicySettings.current().card_deadline_days)
    due = sa.or_(card.status == CardStatus.FILED, deadline_passed)
    stmt = (sa.select(card.dealer_id, _sum(sa.and_(card.status == CardStatus.FILED,
                                                   card.late_days == 0)),
                      _sum(due), sa.func.count())
            .where(card.dealer_id.in_(dealer_ids), card.status != CardStatus.VOID))
    return _rows(stmt, card.sale_date, edges, ("cards_on_time", "cards_due", "units_sold"))


def _arranged(dealer_ids, edges, today, now):
    r = ServiceRequest
    still_running = sa.and_(r.status.in_(TO_ARRANGE), r.arrange_due_at >= now)
    stmt = (sa.select(r.dealer_id, _sum(r.arranged_at <= r.arrange_due_at), sa.func.count())
            .where(r.dealer_id.in_(dealer_ids), r.assignee == Assignee.DEALER,
                   sa.not_(still_running)))
    return _rows(stmt, r.received_at, _instants(edges), ("arranged_on_time", "requests"))


def _returns(dealer_ids, edges, today, now):
    bucket = _bucket(OwedPart.due_on, edges)
    counts = compliance_by(dealer_ids, today, _within(OwedPart.due_on, edges), by=(bucket,))
    return [(dealer_id, index, {"parts_on_time": c.on_time, "parts_due": c.due - c.waived})
            for (dealer_id, index), c in counts.items()]


def _claims(dealer_ids, edges, today, now):
    # The dealer's own claims: head office's repairs of its units are not its doing.
    stmt = (sa.select(Claim.dealer_id, _sum(Claim.status == ClaimStatus.REJECTED),
                      sa.func.count())
            .where(Claim.dealer_id.in_(dealer_ids), Claim.status.in_(DECIDED),
                   Claim.filed_by_head_office.is_(False)))
    return _rows(stmt, Claim.decided_at, _instants(edges), ("claims_rejected", "claims_decided"))


def _lines(dealer_ids, edges, today, now):
    stmt = (sa.select(Claim.dealer_id, _sum(ClaimLine.decision == Decision.REJECTED),
                      sa.func.count())
            .join(ClaimLine, ClaimLine.claim_id == Claim.id)
            .where(Claim.dealer_id.in_(dealer_ids), Claim.status.in_(DECIDED),
                   Claim.filed_by_head_office.is_(False)))
    return _rows(stmt, Claim.decided_at, _instants(edges), ("lines_rejected", "lines_decided"))


def _visits(dealer_ids, edges, today, now):
    v = ReturnVisit
    counted = sa.or_(v.status == VisitStatus.DONE, v.due_on < today)
    reached = sa.and_(v.status == VisitStatus.DONE, v.reached.is_(True))
    rated = sa.and_(reached, v.satisfaction.is_not(None))
    stmt = (sa.select(v.dealer_id, _sum(reached), sa.func.count(),
                      sa.func.coalesce(sa.func.sum(sa.case((rated, v.satisfaction), else_=0)), 0),
                      _sum(rated))
            .where(v.dealer_id.in_(dealer_ids), counted))
    return _rows(stmt, v.due_on, edges, ("visits_reached", "visits_due", "satisfaction_total",
                                         "satisfaction_count"))


def _complaints(dealer_ids, edges, today, now):
    stmt = (sa.select(Complaint.dealer_id, sa.func.count())
            .where(Complaint.dealer_id.in_(dealer_ids)))
    return _rows(stmt, Complaint.received_at, _instants(edges), ("complaints",))


def rank(cards: list[Scorecard]) -> list[Scorecard]:
    """Best score first; equal scores share a rank; dealers with no score come last, unranked."""
    ordered = sorted(cards, key=lambda c: (c.score is None, -(c.score or 0), c.dealer.code))
    previous, place = None, 0
    for index, card in enumerate(ordered, start=1):
        if card.score is None:
            card.rank = None
            continue
        if card.score != previous:
            place, previous = index, card.score
        card.rank = place
    return ordered


def scorecards(period: Period, today: date, now: datetime, *, trend: bool = True,
               dealers=None) -> list[Scorecard]:
    """Ranked scorecards of every dealer (ranks are network-wide); ``dealers`` (ids) narrows
    the list returned, not the ranking."""
    everyone = db.session.scalars(sa.select(Dealer).order_by(Dealer.code)).all()
    ids = sa.select(Dealer.id).scalar_subquery()
    found = collect(ids, period.edges, today, now)
    cards = rank([Scorecard(d, found.get((d.id, 0), Figures())) for d in everyone])
    if trend:
        months = collect(ids, trend_edges(today), today, now)
        for card in cards:
            card.trend = [months.get((card.dealer.id, i), Figures())
                          for i in range(TREND_MONTHS)]
    if dealers is not None:
        wanted = set(dealers)
        cards = [c for c in cards if c.dealer.id in wanted]
    return cards


def figure_names() -> list[str]:
    return [f.name for f in fields(Figures)]
