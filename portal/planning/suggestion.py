"""Suggested stocking quantities: the dealer's working units × the part's observed failure rate.

For one dealer and one season, every active part that fits a model the dealer has working
units of gets a suggested quantity::

    expected  = units × (rate + consumption)
    suggested = expected rounded half up to a whole part

- **units**: the dealer's units of the models the part fits (and of the season's categories)
  that will be working that season: units it sold whose whole-machine warranty is still running
  when the season starts, plus the unsold units in its stock (they will be sold and work).
- **rate**: failures per unit and season, observed in technically approved claims of every
  dealer during the *history seasons* — earlier seasons of the same kind, with categories in
  common, that are over — divided by the exposure, the unit-seasons in warranty then. Where that
  history is thin, the rate leans on a prior, the average rate of all parts of the same kind
  (or a default where there is no history at all), weighted as ``PRIOR_WEIGHT`` unit-seasons::

      rate = (failures + PRIOR_WEIGHT × prior) / (exposure + PRIOR_WEIGHT)

- **consumption**: the part's routine consumption per working unit and season (wear parts).

Everything is read in a fixed handful of grouped queries, whatever the number of parts.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from portal.catalog.models import Part, PartKind, PolicySettings, ProductModel, Season, part_models
from portal.claims.models import Claim, ClaimLine, ClaimStatus, Decision, LineKind
from portal.core.db import shanghai_today
from portal.dealers.models import Dealer, DealerStatus
from portal.extensions import db
from portal.planning.models import PlanSection
from portal.stock.models import OPEN_RETURN, StockReturn
from portal.units.cards import CardStatus, WarrantyCard
from portal.units.coverage import add_months
from portal.units.models import Unit

HISTORY_SEASONS = 4  # the latest comparable seasons a rate is observed over
PRIOR_WEIGHT = 200  # unit-seasons: how much the prior counts against observed history
DEFAULT_PRIOR = {  # failures per unit and season where no part of the kind has any history
    PartKind.MAIN: Decimal("0.0100"),
    PartKind.WEAR: Decimal("0.0300"),
    PartKind.OTHER: Decimal("0.0100"),
}
RATE_PLACES = Decimal("0.0001")
EXPECTED_PLACES = Decimal("0.01")
APPROVED_CLAIMS = (ClaimStatus.APPROVED, ClaimStatus.PARTLY_APPROVED)
APPROVED_LINES = (Decision.APPROVED, Decision.REDUCED)


@dataclass
class SuggestedLine:
    part: Part
    section: PlanSection
    suggested_qty: int
    basis: dict


@dataclass
class Suggestion:
    working_units: int
    units_basis: dict  # sold (in warranty), in_stock, by_model {code: units}
    lines: list[SuggestedLine] = field(default_factory=list)


def due_on(season: Season) -> date:
    """The last day a stocking plan for the season is on time."""
    return season.start_on - timedelta(days=PolicySettings.current().plan_lead_days)


def section_of(part: Part) -> PlanSection:
    return PlanSection.WEAR if part.kind == PartKind.WEAR else PlanSection.WARRANTY


def _province_clause(season: Season, province_column):
    return province_column.in_(season.provinces) if season.provinces else sa.true()


def _models(categories) -> list[ProductModel]:
    return db.session.scalars(
        sa.select(ProductModel).where(ProductModel.category.in_(categories))
        .order_by(ProductModel.code)).all()


def _in_warranty_clause(models, start: date):
    """Cards whose unit's whole-machine warranty still runs on ``start``: one branch per length
    of warranty (a few), not per model (dozens), for the planner's sake."""
    by_months = defaultdict(list)
    for m in models:
        by_months[m.whole_months].append(m.id)
    return sa.or_(sa.false(), *(
        sa.and_(Unit.model_id.in_(ids), WarrantyCard.sale_date > add_months(start, -months))
        for months, ids in sorted(by_months.items())))


def asked_dealers(season: Season):
    """A SELECT of the active dealers in the season's provinces with units of its categories."""
    has_units = sa.exists().where(
        Unit.dealer_id == Dealer.id, Unit.model_id == ProductModel.id,
        ProductModel.category.in_(season.categories))
    sold_units = sa.exists().where(
        WarrantyCard.dealer_id == Dealer.id, WarrantyCard.status != CardStatus.VOID,
        WarrantyCard.unit_id == Unit.id, Unit.model_id == ProductModel.id,
        ProductModel.category.in_(season.categories))
    return sa.select(Dealer).where(Dealer.status == DealerStatus.ACTIVE,
                                   _province_clause(season, Dealer.province),
                                   sa.or_(has_units, sold_units))


def required_dealers(season: Season) -> list[Dealer]:
    """The active dealers that must submit a plan for the season: those in its provinces (all,
    when it names none) with units of its categories."""
    if not season.plan_required:
        return []
    return db.session.scalars(asked_dealers(season).order_by(Dealer.code)).all()


def concerns(season: Season, dealer: Dealer) -> bool:
    """Whether the season asks ``dealer`` for a plan: the same test, for that dealer alone."""
    return bool(concerning([season], dealer))


def concerning(seasons: list[Season], dealer: Dealer) -> list[Season]:
    """The seasons of ``seasons`` that ask ``dealer`` for a plan (``concerns``), in one query."""
    asked = [s for s in seasons if s.plan_required]
    if not asked:
        return []
    found = db.session.execute(sa.select(
        *(asked_dealers(s).where(Dealer.id == dealer.id).exists() for s in asked))).one()
    return [season for season, yes in zip(asked, found, strict=True) if yes]


def history_seasons(season: Season, today: date) -> list[Season]:
    """The latest seasons of the same kind, over by today and before ``season`` starts, that
    share a product category with it."""
    candidates = db.session.scalars(
        sa.select(Season).where(Season.kind == season.kind, Season.id != season.id,
                                Season.end_on < today, Season.end_on < season.start_on)
        .order_by(Season.start_on.desc())).all()
    wanted = set(season.categories)
    return [s for s in candidates if wanted & set(s.categories)][:HISTORY_SEASONS]


def working_units(dealer: Dealer, season: Season) -> dict[int, tuple[int, int]]:
    """{model_id: (sold units in warranty at the season's start, unsold units in stock)}."""
    models = _models(season.categories)
    if not models:
        return {}
    in_return = sa.exists().where(StockReturn.unit_id == Unit.id,
                                  StockReturn.status.in_(OPEN_RETURN))
    sold = dict(db.session.execute(
        sa.select(Unit.model_id, sa.func.count())
        .join(WarrantyCard, sa.and_(WarrantyCard.unit_id == Unit.id,
                                    WarrantyCard.status != CardStatus.VOID))
        .where(WarrantyCard.dealer_id == dealer.id, WarrantyCard.sale_date <= season.end_on,
               _in_warranty_clause(models, season.start_on))
        .group_by(Unit.model_id)).all())
    has_card = sa.exists().where(WarrantyCard.unit_id == Unit.id,
                                 WarrantyCard.status != CardStatus.VOID)
    stock = dict(db.session.execute(
        sa.select(Unit.model_id, sa.func.count())
        .where(Unit.dealer_id == dealer.id, Unit.model_id.in_([m.id for m in models]),
               ~has_card, ~in_return)
        .group_by(Unit.model_id)).all())
    return {m.id: (sold.get(m.id, 0), stock.get(m.id, 0)) for m in models
            if sold.get(m.id) or stock.get(m.id)}


def _history(seasons: list[Season], categories) -> tuple[dict, dict]:
    """Observed over the history seasons: ({model_id: unit-seasons}, {part_id: failures})."""
    exposure: dict[int, int] = defaultdict(int)
    failures: dict[int, int] = defaultdict(int)
    for past in seasons:
        shared = sorted(set(past.categories) & set(categories))
        models = _models(shared)
        if not models:
            continue
        card_dealer = aliased(Dealer)
        for model_id, count in db.session.execute(
                sa.select(Unit.model_id, sa.func.count())
                .join(WarrantyCard, sa.and_(WarrantyCard.unit_id == Unit.id,
                                            WarrantyCard.status != CardStatus.VOID))
                .join(card_dealer, card_dealer.id == WarrantyCard.dealer_id)
                .where(WarrantyCard.sale_date <= past.end_on,
                       _in_warranty_clause(models, past.start_on),
                       _province_clause(past, card_dealer.province))
                .group_by(Unit.model_id)):
            exposure[model_id] += count
        for part_id, quantity in db.session.execute(
                sa.select(ClaimLine.part_id, sa.func.sum(ClaimLine.quantity))
                .join(Claim, Claim.id == ClaimLine.claim_id)
                .join(Unit, Unit.id == Claim.unit_id)
                .join(Dealer, Dealer.id == Claim.dealer_id)
                .where(ClaimLine.kind == LineKind.PART, ClaimLine.decision.in_(APPROVED_LINES),
                       Claim.status.in_(APPROVED_CLAIMS),
                       Claim.failure_date.between(past.start_on, past.end_on),
                       Unit.model_id.in_([m.id for m in models]),
                       _province_clause(past, Dealer.province))
                .group_by(ClaimLine.part_id)):
            failures[part_id] += int(quantity or 0)
    return exposure, failures


def suggest(dealer: Dealer, season: Season, *, today: date | None = None) -> Suggestion:
    """Work out the suggested quantities (reads only)."""
    today = today or shanghai_today()
    units = working_units(dealer, season)
    models = {m.id: m for m in _models(season.categories)}
    sold = sum(s for s, _ in units.values())
    stocked = sum(k for _, k in units.values())
    suggestion = Suggestion(
        working_units=sold + stocked,
        units_basis={"sold": sold, "in_stock": stocked,
                     "by_model": {models[m].code: s + k for m, (s, k) in units.items()}})
    if not units:
        return suggestion
    fits: dict[int, set[int]] = defaultdict(set)
    for part_id, model_id in db.session.execute(
            sa.select(part_models.c.part_id, part_models.c.model_id)
            .where(part_models.c.model_id.in_(list(models)))):
        fits[part_id].add(model_id)
    parts = db.session.scalars(
        sa.select(Part).where(Part.id.in_([p for p, ms in fits.items() if ms & units.keys()]),
                              Part.is_active)
        .order_by(Part.part_number)).all()
    seasons = history_seasons(season, today)
    exposure_by_model, failures = _history(seasons, season.categories)
    exposure = {p.id: sum(exposure_by_model.get(m, 0) for m in fits[p.id]) for p in parts}
    priors = _priors(parts, exposure, failures)
    kind_has_history = {kind: any(exposure[p.id] for p in parts if p.kind == kind)
                        for kind in PartKind}
    names = [s.name for s in seasons]
    for part in parts:
        part_units = sum(sum(units.get(m, (0, 0))) for m in fits[part.id])
        observed = (Decimal(failures.get(part.id, 0)) / exposure[part.id]
                    if exposure[part.id] else None)
        prior = priors[part.kind]
        rate = ((failures.get(part.id, 0) + PRIOR_WEIGHT * prior)
                / (exposure[part.id] + PRIOR_WEIGHT)).quantize(RATE_PLACES, ROUND_HALF_UP)
        consumption = Decimal(part.season_consumption or 0).quantize(Decimal("0.001"))
        expected = (part_units * (rate + consumption)).quantize(EXPECTED_PLACES, ROUND_HALF_UP)
        suggestion.lines.append(SuggestedLine(
            part=part, section=section_of(part),
            suggested_qty=int(expected.quantize(Decimal(1), ROUND_HALF_UP)),
            basis={
                "units": part_units,
                "failures": failures.get(part.id, 0),
                "exposure": exposure[part.id],
                "observed_rate": (str(observed.quantize(RATE_PLACES, ROUND_HALF_UP))
                                  if observed is not None else None),
                "prior_rate": str(prior),
                "prior": "pooled" if kind_has_history[part.kind] else "default",
                "prior_weight": PRIOR_WEIGHT,
                "rate": str(rate),
                "consumption": str(consumption),
                "expected": str(expected),
                "seasons": names,
                "history": "ok" if exposure[part.id] >= PRIOR_WEIGHT else "thin",
            }))
    suggestion.lines.sort(key=lambda line: (line.section != PlanSection.WARRANTY,
                                            line.part.part_number))
    return suggestion


def _priors(parts, exposure: dict[int, int], failures: dict[int, int]) -> dict:
    """The prior per part kind: the pooled rate of all the kind's parts, else the default."""
    pooled_failures: dict[PartKind, int] = defaultdict(int)
    pooled_exposure: dict[PartKind, int] = defaultdict(int)
    for part in parts:
        pooled_failures[part.kind] += failures.get(part.id, 0)
        pooled_exposure[part.kind] += exposure[part.id]
    return {
        kind: (Decimal(pooled_failures[kind]) / pooled_exposure[kind]).quantize(
            RATE_PLACES, ROUND_HALF_UP) if pooled_exposure[kind] else DEFAULT_PRIOR[kind]
        for kind in PartKind}
