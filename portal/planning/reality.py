"""Plan against reality: per dealer and part, what the season's stocking plan asked for, what the
dealer bought and what its warranty repairs really used, so next season's plan learns.

- planned: the dealer's plan for the season: approved → the final quantities, submitted → the
  dealer's; a draft or no plan counts as no plan (None). A part missing from a counted plan is 0.
- bought: parts on delivery notes to the dealer shipped from the plan's due date to the season's
  end; the received quantity once the dealer confirmed the note, the shipped one before.
- used: part lines of the dealer's claims (not drafts, line not rejected) whose failure date
  falls within the season.

Bought and used count only parts of the season's product categories (a part fitting one of
their models; a repair on a unit of one of them), as the suggestion does. Each figure is one
grouped query, whatever the number of rows.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from portal.catalog.models import Part, ProductModel, Season, part_models
from portal.claims.models import Claim, ClaimLine, ClaimStatus, Decision, LineKind
from portal.dealers.models import Dealer
from portal.deliveries.models import DeliveryLine, DeliveryNote, DeliveryStatus
from portal.extensions import db
from portal.planning.models import PlanStatus, StockingPlan, StockingPlanLine
from portal.planning.suggestion import due_on
from portal.units.models import Unit

COUNTED_PLANS = (PlanStatus.SUBMITTED, PlanStatus.APPROVED)


@dataclass
class Row:
    """One dealer and part: planned (None = no plan), bought and used quantities."""

    dealer: Dealer
    part: Part
    planned: int | None
    bought: int = 0
    used: int = 0

    @property
    def bought_gap(self) -> int | None:
        """Bought beyond the plan (negative: less than planned); None without a plan."""
        return None if self.planned is None else self.bought - self.planned

    @property
    def used_gap(self) -> int:
        """Used beyond what was bought: positive means parts were missing (a shortage)."""
        return self.used - self.bought

    @property
    def short(self) -> int:
        return max(self.used_gap, 0)

    @property
    def left_over(self) -> int:
        """Bought but not used in warranty repairs this season (overstock)."""
        return max(-self.used_gap, 0)


@dataclass
class DealerReality:
    """One dealer's rows, its plan's status (None: no plan) and its totals."""

    dealer: Dealer
    plan_status: PlanStatus | None
    rows: list[Row] = field(default_factory=list)

    @property
    def has_plan(self) -> bool:
        return self.plan_status in COUNTED_PLANS

    @property
    def planned(self) -> int | None:
        return sum(r.planned for r in self.rows) if self.has_plan else None

    @property
    def bought(self) -> int:
        return sum(r.bought for r in self.rows)

    @property
    def used(self) -> int:
        return sum(r.used for r in self.rows)

    @property
    def short(self) -> int:
        return sum(r.short for r in self.rows)

    @property
    def left_over(self) -> int:
        return sum(r.left_over for r in self.rows)


@dataclass
class Reality:
    season: Season
    bought_from: date  # the plan's due date
    dealers: list[DealerReality]

    @property
    def rows(self) -> list[Row]:
        return [row for d in self.dealers for row in d.rows]


def bought_window(season: Season) -> tuple[date, date]:
    """Deliveries count from the plan's due date to the season's last day (both included)."""
    return due_on(season), season.end_on


def plan_vs_reality(season: Season, dealer_ids=None, *, part_ids=None) -> Reality:
    """Planned, bought and used per dealer and part for ``season``; ``dealer_ids`` and
    ``part_ids`` (lists or subqueries) limit it, e.g. to the dealers a user may see."""
    start, end = bought_window(season)
    statuses = _plan_statuses(season, dealer_ids)
    counted = {d for d, status in statuses.items() if status in COUNTED_PLANS}
    figures: dict[tuple[int, int], dict] = defaultdict(dict)
    for name, stmt in (("planned", _planned(season, dealer_ids, part_ids)),
                       ("bought", _bought(season, start, end, dealer_ids, part_ids)),
                       ("used", _used(season, dealer_ids, part_ids))):
        for dealer_id, part_id, quantity in db.session.execute(stmt):
            figures[dealer_id, part_id][name] = int(quantity or 0)
    keys = [k for k, f in figures.items() if any(f.values())]
    dealers = _by_id(Dealer, {d for d, _p in keys} | counted)
    parts = _by_id(Part, {p for _d, p in keys})
    grouped = {d: DealerReality(dealers[d], statuses.get(d)) for d in dealers}
    for dealer_id, part_id in keys:
        f = figures[dealer_id, part_id]
        planned = f.get("planned", 0) if dealer_id in counted else None
        grouped[dealer_id].rows.append(Row(dealers[dealer_id], parts[part_id], planned,
                                           f.get("bought", 0), f.get("used", 0)))
    for reality in grouped.values():
        reality.rows.sort(key=lambda r: r.part.part_number)
    ordered = sorted(grouped.values(), key=lambda r: r.dealer.code)
    return Reality(season, start, ordered)


def last_season_reality(dealer: Dealer, season: Season,
                        part_ids=None) -> tuple[Season | None, dict]:
    """The latest plan-required season of the same kind sharing a product category with
    ``season`` that ended before it starts, and the dealer's rows of it by part id (of
    ``part_ids`` when given)."""
    previous = previous_season(season)
    if previous is None:
        return None, {}
    reality = plan_vs_reality(previous, [dealer.id], part_ids=part_ids)
    return previous, {row.part.id: row for row in reality.rows}


def last_season_basis(dealer: Dealer, season: Season, part_ids: list[int]) -> dict:
    """{part id: what ``dealer`` planned, bought and used of it last season}, as a plan line's
    basis keeps it under "last" (``last_season_reality``): None without a last season, the
    season's name alone for a part the dealer neither planned, bought nor used then."""
    previous, rows = last_season_reality(dealer, season, part_ids=part_ids)
    if previous is None:
        return dict.fromkeys(part_ids)
    return {part_id: {"season": previous.name} if (row := rows.get(part_id)) is None else
            {"season": previous.name, "planned": row.planned, "bought": row.bought,
             "used": row.used} for part_id in part_ids}


def previous_season(season: Season) -> Season | None:
    candidates = db.session.scalars(
        sa.select(Season).where(Season.plan_required, Season.kind == season.kind,
                                Season.end_on < season.start_on, Season.id != season.id)
        .order_by(Season.end_on.desc(), Season.start_on.desc(), Season.id.desc()))
    wanted = set(season.categories or [])
    return next((s for s in candidates if wanted & set(s.categories or [])), None)


def _by_id(model, ids: set) -> dict:
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(sa.select(model).where(model.id.in_(ids)))}


def _limit(stmt, dealer_column, part_column, dealer_ids, part_ids):
    if dealer_ids is not None:
        stmt = stmt.where(dealer_column.in_(dealer_ids))
    if part_ids is not None:
        stmt = stmt.where(part_column.in_(part_ids))
    return stmt


def _plan_statuses(season: Season, dealer_ids) -> dict:
    stmt = sa.select(StockingPlan.dealer_id, StockingPlan.status).where(
        StockingPlan.season_id == season.id)
    if dealer_ids is not None:
        stmt = stmt.where(StockingPlan.dealer_id.in_(dealer_ids))
    return {dealer_id: PlanStatus(status) for dealer_id, status in db.session.execute(stmt)}


def _planned(season: Season, dealer_ids, part_ids):
    final = sa.case((StockingPlan.status == PlanStatus.APPROVED,
                     sa.func.coalesce(StockingPlanLine.approved_qty, StockingPlanLine.quantity)),
                    else_=StockingPlanLine.quantity)
    stmt = (sa.select(StockingPlan.dealer_id, StockingPlanLine.part_id, sa.func.sum(final))
            .join(StockingPlan, StockingPlan.id == StockingPlanLine.plan_id)
            .where(StockingPlan.season_id == season.id,
                   StockingPlan.status.in_(COUNTED_PLANS))
            .group_by(StockingPlan.dealer_id, StockingPlanLine.part_id))
    return _limit(stmt, StockingPlan.dealer_id, StockingPlanLine.part_id, dealer_ids, part_ids)


def _fits_season(season: Season):
    """Parts fitting a model of the season's categories (all parts when it names none)."""
    if not season.categories:
        return sa.true()
    return sa.exists().where(part_models.c.part_id == DeliveryLine.part_id,
                             part_models.c.model_id == ProductModel.id,
                             ProductModel.category.in_(season.categories))


def _bought(season: Season, start: date, end: date, dealer_ids, part_ids):
    received = sa.case((DeliveryNote.status == DeliveryStatus.CONFIRMED,
                        sa.func.coalesce(DeliveryLine.received_qty, DeliveryLine.quantity)),
                       else_=DeliveryLine.quantity)
    stmt = (sa.select(DeliveryNote.dealer_id, DeliveryLine.part_id, sa.func.sum(received))
            .join(DeliveryNote, DeliveryNote.id == DeliveryLine.note_id)
            .where(DeliveryLine.part_id.is_not(None), DeliveryNote.shipped_on >= start,
                   DeliveryNote.shipped_on <= end, _fits_season(season))
            .group_by(DeliveryNote.dealer_id, DeliveryLine.part_id))
    return _limit(stmt, DeliveryNote.dealer_id, DeliveryLine.part_id, dealer_ids, part_ids)


def _used(season: Season, dealer_ids, part_ids):
    stmt = (sa.select(Claim.dealer_id, ClaimLine.part_id,
                      sa.func.sum(sa.func.coalesce(ClaimLine.quantity, 0)))
            .join(Claim, Claim.id == ClaimLine.claim_id)
            .where(ClaimLine.kind == LineKind.PART, ClaimLine.part_id.is_not(None),
                   ClaimLine.decision != Decision.REJECTED, Claim.status != ClaimStatus.DRAFT,
                   Claim.failure_date >= season.start_on, Claim.failure_date <= season.end_on,
                   # head office brought its own parts to the repairs it did itself
                   Claim.filed_by_head_office.is_(False))
            .group_by(Claim.dealer_id, ClaimLine.part_id))
    if season.categories:
        stmt = stmt.join(Unit, Unit.id == Claim.unit_id).join(
            ProductModel, ProductModel.id == Unit.model_id).where(
            ProductModel.category.in_(season.categories))
    return _limit(stmt, Claim.dealer_id, ClaimLine.part_id, dealer_ids, part_ids)
