"""Who owes which plan: a season's overview for head office, a dealer's seasons, the work
waiting on home pages. Each list costs a fixed number of queries, however many dealers."""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from portal.catalog.models import PolicySettings, Season
from portal.dealers.models import Dealer
from portal.dealers.scope import scope
from portal.extensions import db
from portal.planning.models import PlanStatus, StockingPlan
from portal.planning.suggestion import asked_dealers, concerning, due_on

# A dealer's page lists the seasons still to come and those ended within this many days.
RECENT_DAYS = 180
DEALER_SEASONS = 6
# Head office's overview offers this many seasons, latest first (the plans snapshot counts them).
OVERVIEW_SEASONS = 40


def plan_state(plan: StockingPlan | None) -> str:
    """none · draft · submitted · late (submitted after the due date) · approved."""
    if plan is None:
        return "none"
    if plan.status == PlanStatus.SUBMITTED and plan.submitted_late:
        return "late"
    return plan.status.value


def is_missing(plan: StockingPlan | None, due: date, today: date) -> bool:
    """Past the due date and never submitted: the clerk chases it."""
    return today > due and (plan is None or plan.submitted_at is None)


@dataclass
class OverviewRow:
    dealer: Dealer  # or a row of its id, code, name, province and city
    plan: StockingPlan | None
    state: str
    missing: bool


@dataclass
class Overview:
    rows: list
    due: date
    total: int
    missing: int
    next_after: str | None


def _asked_with_plans(season: Season, user):
    return scope(asked_dealers(season), Dealer.id, user).outerjoin(StockingPlan, sa.and_(
        StockingPlan.dealer_id == Dealer.id, StockingPlan.season_id == season.id))


def asked_counts(season: Season, user=None) -> tuple[int, int]:
    """How many dealers (that ``user`` sees; no user: all) the season asks for a plan, and how
    many of them have submitted it. Reads every active dealer: head office's figures come from
    the plans snapshot (``portal.analytics.snapshots.plan_counts``)."""
    total, submitted = db.session.execute(_asked_with_plans(season, user).with_only_columns(
        sa.func.count(), sa.func.count(StockingPlan.submitted_at))).one()
    return total, submitted


def season_overview(season: Season, user, *, today: date, missing_only: bool = False,
                    after: str | None = None, size: int = 100,
                    counts: tuple[int, int] | None = None) -> Overview:
    """Every dealer asked for a plan (a rep: only theirs) with its plan's state, by code.

    The database counts the dealers asked and those with a submitted plan (``asked_counts``,
    unless ``counts`` gives them, as a snapshot does; the missing are the rest, once the due
    date has passed) and returns the page shown, ``size`` dealers after the code ``after``;
    whole plans are loaded for that page only.
    """
    due = due_on(season)
    if not season.plan_required:
        return Overview([], due, 0, 0, None)
    late = today > due  # before the due date no plan is missing yet
    asked = _asked_with_plans(season, user)
    total, submitted = asked_counts(season, user) if counts is None else counts
    missing = total - submitted if late else 0
    # Counts from a snapshot may be older than the list: the list is asked all the same.
    if size <= 0 or (missing_only and not missing and counts is None):
        return Overview([], due, total, missing, None)
    page = asked.with_only_columns(Dealer.id, Dealer.code, Dealer.name, Dealer.province,
                                   Dealer.city, StockingPlan.id.label("plan_id"))
    if missing_only:
        page = page.where(StockingPlan.submitted_at.is_(None))
    if after:
        page = page.where(Dealer.code > after)
    dealers = db.session.execute(page.order_by(Dealer.code).limit(size + 1)).all()
    next_after = dealers[size - 1].code if len(dealers) > size else None
    dealers = dealers[:size]
    plan_ids = [d.plan_id for d in dealers if d.plan_id]
    plans = {plan.id: plan for plan in db.session.scalars(sa.select(StockingPlan).where(
        StockingPlan.id.in_(plan_ids)))} if plan_ids else {}
    rows = [OverviewRow(d, plans.get(d.plan_id), plan_state(plans.get(d.plan_id)),
                        is_missing(plans.get(d.plan_id), due, today)) for d in dealers]
    return Overview(rows, due, total, missing, next_after)


def planning_seasons(*, since: date | None = None, limit: int | None = None) -> list[Season]:
    """The seasons that need plans, latest first; ``since`` keeps those ending on or after it."""
    stmt = sa.select(Season).where(Season.plan_required).order_by(Season.start_on.desc(),
                                                                   Season.id.desc())
    if since:
        stmt = stmt.where(Season.end_on >= since)
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


@dataclass
class DealerSeason:
    season: Season
    due: date
    days_left: int
    plan: StockingPlan | None
    state: str
    missing: bool


def _recent_seasons(today: date) -> list[Season]:
    return planning_seasons(since=today - timedelta(days=RECENT_DAYS), limit=DEALER_SEASONS)


def dealer_seasons(dealer: Dealer, today: date) -> list[DealerSeason]:
    """The seasons, upcoming and recent, that ask ``dealer`` for a plan, soonest due first."""
    return _dealer_items(dealer, today, _recent_seasons(today))


def _dealer_items(dealer: Dealer, today: date, seasons: list[Season],
                  plans: dict | None = None) -> list[DealerSeason]:
    seasons = concerning(seasons, dealer)
    plans = _plans(dealer, seasons) if plans is None else plans
    items = []
    for season in seasons:
        due, plan = due_on(season), plans.get(season.id)
        items.append(DealerSeason(season, due, (due - today).days, plan, plan_state(plan),
                                  is_missing(plan, due, today)))
    return sorted(items, key=lambda item: item.due)


def _plans(dealer: Dealer, seasons: list[Season]) -> dict[int, StockingPlan]:
    """The dealer's plans for these seasons, by season id."""
    return {p.season_id: p for p in db.session.scalars(sa.select(StockingPlan).where(
        StockingPlan.dealer_id == dealer.id,
        StockingPlan.season_id.in_([s.id for s in seasons])))} if seasons else {}


def next_due(dealer: Dealer, today: date) -> DealerSeason | None:
    """The dealer's next plan to do: the first season not over whose plan is not submitted
    (of ``dealer_seasons``: the seasons over, and those whose plan is submitted, are left out
    before asking which concern it). The soonest due is asked alone first: it is usually the
    answer, and each season asked is an EXISTS of its own to build."""
    seasons = [season for season in _recent_seasons(today) if season.end_on >= today]
    plans = _plans(dealer, seasons)
    to_do = sorted((season for season in seasons if (plan := plans.get(season.id)) is None
                    or plan.status == PlanStatus.DRAFT), key=due_on)
    for asked in (to_do[:1], to_do[1:]):
        if items := _dealer_items(dealer, today, asked, plans):
            return items[0]
    return None


def missing_by_season(user, today: date) -> list[tuple[Season, int]]:
    """Seasons under way or about to start whose due date has passed, with how many dealers
    (that ``user`` sees) still have no submitted plan."""
    lead = PolicySettings.current().plan_lead_days
    seasons = db.session.scalars(sa.select(Season).where(
        Season.plan_required, Season.start_on < today + timedelta(days=lead),
        Season.end_on >= today).order_by(Season.start_on))
    counts = []
    for season in seasons:
        overview = season_overview(season, user, today=today, missing_only=True, size=0)
        if overview.missing:
            counts.append((season, overview.missing))
    return counts
