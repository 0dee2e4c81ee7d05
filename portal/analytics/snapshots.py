"""Snapshots of the analytics over all the data: the failure overview as head office first sees
it (no filters), every dealer's scorecard for the standard periods, head office's dashboard
tiles (``portal.reports.dashboard``), the home pages' big counts, every dealer's old-part
returns and how many dealers each season asks for a stocking plan. Computing them reads every
unit, card and claim (seconds to a minute at production scale), so pages read a snapshot kept
in the database (shared by every worker and host) and say "as of" when it was made.

Refresh: the job queue's ``refresh_snapshots`` (every 15 minutes) or ``flask analytics
refresh`` recomputes them all; nothing else writes them, and they are never invalidated by a
change (a page reading one says as of when instead). A page never writes: it shows a stored
snapshot however old it is, and before the first refresh it computes the figures for its own
request without keeping them.
The one cache in memory, the failure overview's tables per language, follows the stored
snapshot it was built of.
"""

import threading
from collections import namedtuple
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.orm import defer

from portal.analytics.failures import page_counts
from portal.analytics.filters import Filters
from portal.analytics.models import AnalyticsSnapshot, ScorecardSnapshot
from portal.analytics.scorecards import (
    STANDARD_MONTHS,
    Figures,
    Period,
    Scorecard,
    months_back,
    scorecards,
)
from portal.claims.queues import review_counts, rules_share
from portal.core.db import SHANGHAI
from portal.dealers.models import Dealer
from portal.extensions import db
from portal.finance.work import claim_queues
from portal.planning.overview import OVERVIEW_SEASONS, asked_counts, planning_seasons
from portal.reports.dashboard import head_office_figures
from portal.returns.compliance import Compliance, compliance

FAILURES = "failures"
DASHBOARD = "dashboard"
WORK = "work"
COMPLIANCE = "compliance"
PLANS = "plans"
_lock = threading.Lock()  # guards _made between a worker's threads
_made: dict[tuple, tuple[tuple, object]] = {}  # (name, language) → ((id, as_of), built of it)
T = TypeVar("T")


def _stored(name: str, *, with_data: bool = False) -> AnalyticsSnapshot | None:
    """The snapshot, its data loaded when first used (the failure overview's is large), or
    at once ``with_data`` (a small one every view reads: one statement, not two)."""
    stmt = sa.select(AnalyticsSnapshot).where(AnalyticsSnapshot.name == name)
    if not with_data:
        stmt = stmt.options(defer(AnalyticsSnapshot.data))
    return db.session.scalar(stmt)


@dataclass(frozen=True)
class Unsaved:
    """Figures computed for one request before the first refresh, not kept: read as a stored
    snapshot is."""

    data: dict
    as_of: datetime
    id: None = None


def _save(name: str, data: dict, now: datetime) -> AnalyticsSnapshot:
    with _lock:  # what this process built of it is stale, even if refreshed at the same instant
        for key in [key for key in _made if key[0] == name]:
            del _made[key]
    snapshot = _stored(name) or AnalyticsSnapshot(name=name)
    snapshot.data, snapshot.as_of = data, now
    db.session.add(snapshot)
    db.session.flush()
    return snapshot


def _current(name: str, compute: Callable[[], dict], now: datetime):
    """The stored snapshot ``name`` however old (the page says as of when); before the first
    refresh, ``compute()`` for this request only."""
    return _stored(name) or Unsaved(compute(), now)


def _failures() -> dict:
    return page_counts(Filters())


def refresh_failures(now: datetime) -> AnalyticsSnapshot:
    """Recompute the failure overview's counts over all the data."""
    return _save(FAILURES, _failures(), now)


def _scorecard_name(months: int) -> str:
    return f"scorecards:{months}"


def refresh_scorecards(months: int, today: date, now: datetime) -> AnalyticsSnapshot:
    """Recompute every dealer's scorecard for the last ``months`` months, with its trend."""
    period = months_back(months, today)
    cards = scorecards(period, today, now)
    db.session.execute(sa.delete(ScorecardSnapshot).where(ScorecardSnapshot.months == months))
    db.session.execute(sa.insert(ScorecardSnapshot), [
        {"months": months, "dealer_id": c.dealer.id, "rank": c.rank,
         "figures": asdict(c.figures), "trend": [asdict(m) for m in c.trend],
         "scores": [None if score is None else str(score) for score in c.trend_scores]}
        for c in cards])
    return _save(_scorecard_name(months), {"today": today.isoformat(),
                                           "start": period.start.isoformat(),
                                           "end": period.end.isoformat()}, now)


def _dashboard(now: datetime) -> dict:
    return {"today": now.astimezone(SHANGHAI).date().isoformat(),
            "figures": head_office_figures(now)}


def refresh_dashboard(now: datetime) -> AnalyticsSnapshot:
    """Recount head office's dashboard tiles."""
    return _save(DASHBOARD, _dashboard(now), now)


def _work(now: datetime) -> dict:
    return {"review": review_counts(now), "rules_share": rules_share(now),
            "finance": claim_queues(now)}


def refresh_work(now: datetime) -> AnalyticsSnapshot:
    """Recount the big figures of the home pages: the claims waiting for the technical
    department, the share of claims the rules decided, the claims waiting for finance."""
    return _save(WORK, _work(now), now)


def _compliance(today: date, dealer_ids=None) -> dict:
    dealers = compliance(sa.select(Dealer.id) if dealer_ids is None else dealer_ids, today)
    return {"today": today.isoformat(), "dealers": {
        str(dealer_id): asdict(figures) for dealer_id, figures in dealers.items()}}


def refresh_compliance(today: date, now: datetime) -> AnalyticsSnapshot:
    """Recount every dealer's old-part returns (``compliance``) as of ``today``."""
    return _save(COMPLIANCE, _compliance(today), now)


def _plans() -> dict:
    return {"seasons": {str(season.id): list(asked_counts(season))
                        for season in planning_seasons(limit=OVERVIEW_SEASONS)}}


def refresh_plans(now: datetime) -> AnalyticsSnapshot:
    """Recount, for each season head office's plan overview offers, the dealers it asks for a
    plan and those that submitted it (``asked_counts``: every active dealer is read)."""
    return _save(PLANS, _plans(), now)


def refresh_all(today: date, now: datetime) -> list[str]:
    """Recompute every snapshot; the names refreshed."""
    refresh_failures(now)
    for months in STANDARD_MONTHS:
        refresh_scorecards(months, today, now)
    refresh_dashboard(now)
    refresh_work(now)
    refresh_compliance(today, now)
    refresh_plans(now)
    return [FAILURES, *(_scorecard_name(m) for m in STANDARD_MONTHS), DASHBOARD, WORK,
            COMPLIANCE, PLANS]


def failure_counts(now: datetime) -> tuple[dict, datetime]:
    """The unfiltered overview's counts (``page_counts``) over all the data, and as of when."""
    snapshot = _current(FAILURES, _failures, now)
    return snapshot.data, snapshot.as_of


def dashboard_figures(now: datetime) -> tuple[dict, datetime]:
    """Head office's dashboard figures (``head_office_figures``), and as of when."""
    snapshot = _current(DASHBOARD, lambda: _dashboard(now), now)
    return snapshot.data["figures"], snapshot.as_of


def failure_overview(now: datetime, build: Callable[[dict], T],
                     variant: str = "") -> tuple[T, datetime]:
    """``build(counts)`` of the unfiltered overview's counts (``failure_counts``), and as of when.
    Made once per snapshot, language and ``variant`` in each process: reading the counts and
    building the tables of them took longer than the rest of the page, and rendering them
    (``variant`` "html:<cost tab>") as long again. ``build`` must not depend on the request but
    through the language and the variant, and its result is shared: read it, never change
    it."""
    snapshot = _current(FAILURES, _failures, now)
    return (_built((FAILURES, str(get_locale()), variant), snapshot, build),
            snapshot.as_of)


def _built(key: tuple, snapshot, build: Callable[[dict], T]) -> T:
    """``build(snapshot.data)``, made once per stored snapshot (its id and as of) under ``key``
    in each process; figures computed for one request (``Unsaved``) are built every time."""
    if snapshot.id is None:
        return build(snapshot.data)
    stamp = (snapshot.id, snapshot.as_of)
    with _lock:
        made = _made.get(key)
    if made is None or made[0] != stamp:
        made = (stamp, build(snapshot.data))
        with _lock:
            _made[key] = made
    return made[1]


def work_figures(now: datetime) -> tuple[dict, datetime]:
    """The home pages' big figures (``review_counts``, ``rules_share``, finance's
    ``claim_queues``), and as of when."""
    snapshot = _stored(WORK, with_data=True) or Unsaved(_work(now), now)
    return snapshot.data, snapshot.as_of


def plan_counts(season_id: int) -> tuple[tuple[int, int] | None, datetime | None]:
    """Head office's ``asked_counts`` of the season from the plans snapshot, and as of when;
    (None, None) for a season the last refresh did not count, or before the first: the page
    counts it then."""
    snapshot = _stored(PLANS, with_data=True)
    counts = snapshot.data["seasons"].get(str(season_id)) if snapshot else None
    return (tuple(counts), snapshot.as_of) if counts else (None, None)


def stored_compliance(dealer_ids: list[int], now: datetime) -> tuple[dict, datetime]:
    """``compliance`` of ``dealer_ids`` (by dealer id; those with nothing due left out), and
    as of when. Before the first refresh, counted for these dealers alone. The stored figures
    of every dealer are read and parsed once per snapshot in each process (``_built``): a
    dealer's home page wants one dealer's of a thousand."""
    snapshot = _current(COMPLIANCE, lambda: _compliance(now.astimezone(SHANGHAI).date(),
                                                        dealer_ids), now)
    dealers = _built((COMPLIANCE,), snapshot, lambda data: {
        int(dealer_id): Compliance(**figures) for dealer_id, figures in data["dealers"].items()})
    return {dealer_id: dealers[dealer_id] for dealer_id in dealer_ids
            if dealer_id in dealers}, snapshot.as_of


# What the scorecard pages show of a dealer: its columns, not a whole Dealer per row.
DEALER_SHOWN = (Dealer.id, Dealer.code, Dealer.name, Dealer.grade)
ShownDealer = namedtuple("ShownDealer", "id code name grade")


def stored_scorecards(months: int, dealer_ids, today: date, now: datetime, *,
                      trend: bool = True) -> tuple[list[Scorecard], Period, datetime]:
    """The scorecards of ``dealer_ids`` (a list or subquery) for the last ``months`` months as
    ``scorecards`` ranks them, from the snapshot; its period and as of when. Without ``trend``
    only the trend's scores are read (``Scorecard.trend_scores``), not its figures."""
    snapshot = _stored(_scorecard_name(months), with_data=True)
    if snapshot is None:  # before the first refresh: counted for this request, not kept
        period = months_back(months, today)
        return scorecards(period, today, now, dealers=_ids(dealer_ids)), period, now
    kept = ScorecardSnapshot
    columns = [kept.id, kept.rank, kept.figures, kept.scores, *DEALER_SHOWN]
    rows = db.session.execute(
        sa.select(*columns, *([kept.trend] if trend else []))
        .join(Dealer, Dealer.id == kept.dealer_id)
        .where(kept.months == months, kept.dealer_id.in_(dealer_ids))
        .order_by(kept.rank.is_(None), kept.rank, Dealer.code)).all()
    trends = {r.id: r.trend for r in rows} if trend else _trends_unscored(rows)
    cards = [Scorecard(ShownDealer(*r[4:8]), Figures(**r.figures), r.rank,
                       [Figures(**m) for m in trends[r.id]] if r.id in trends else None,
                       None if r.scores is None else [None if s is None else Decimal(s)
                                                      for s in r.scores]) for r in rows]
    period = Period(date.fromisoformat(snapshot.data["start"]),
                    date.fromisoformat(snapshot.data["end"]))
    return cards, period, snapshot.as_of


def _trends_unscored(rows) -> dict[int, list]:
    """The trends of the rows kept without their scores (a snapshot made before they were), in
    one query: those rows' scores come from their trend."""
    unscored = [r.id for r in rows if r.scores is None]
    if not unscored:
        return {}
    return dict(db.session.execute(sa.select(ScorecardSnapshot.id, ScorecardSnapshot.trend)
                                   .where(ScorecardSnapshot.id.in_(unscored))).all())


def _ids(dealer_ids) -> list[int]:
    """The dealer ids of a list or of a SELECT of them."""
    if isinstance(dealer_ids, sa.Select):
        return list(db.session.scalars(dealer_ids))
    return list(dealer_ids)
