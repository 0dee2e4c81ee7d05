"""Analytics snapshots: refreshed by cron only and served however old, with "as of"; before the
first refresh a page counts for itself and keeps nothing. The same figures as counted now."""

import threading
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.analytics import snapshots
from portal.analytics.failures import page_counts
from portal.analytics.filters import Filters
from portal.analytics.models import AnalyticsSnapshot
from portal.analytics.scorecards import months_back, scorecards
from portal.core.db import shanghai_today, utcnow
from portal.extensions import db as _db
from tests import factories


def _failure(model, dealer, serial):
    unit = factories.make_unit(serial=serial, model=model, dealer=dealer)
    factories.make_card(unit, sale_date=date(2025, 1, 10))
    factories.make_claim(unit, status="submitted", failure_date=date(2025, 2, 10))
    _db.session.flush()


def _failures_by_model(counts, model) -> int:
    return {key: n for key, _label, n, _cost in counts["rates"]["model"]["failures"]}.get(
        str(model.id), 0)


def _snapshot(name):
    return _db.session.scalar(sa.select(AnalyticsSnapshot).where(AnalyticsSnapshot.name == name))


def test_failure_overview_is_served_from_its_snapshot_until_refreshed(app, client, login,
                                                                       world, monkeypatch):
    model = factories.make_model(code="SNAP1")
    _failure(model, world.dealer_a, "SNAP-1")
    login(world.users[Role.TECHNICAL])
    page = client.get("/analytics/").get_data(as_text=True)  # before the first refresh
    assert _snapshot("failures") is None and "SNAP1" in page and 'class="muted as-of"' in page
    counts, as_of = snapshots.failure_counts(utcnow())
    assert _failures_by_model(counts, model) == 1 and counts == page_counts(Filters())
    assert app.test_cli_runner().invoke(args=["analytics", "refresh"]).exit_code == 0
    assert _snapshot("failures") is not None

    _failure(model, world.dealer_a, "SNAP-2")
    assert _failures_by_model(snapshots.failure_counts(utcnow())[0], model) == 1  # as of then
    filtered = client.get(f"/analytics/?model_id={model.id}").get_data(as_text=True)
    assert 'class="muted as-of"' not in filtered and "SNAP1" in filtered  # counted now

    result = app.test_cli_runner().invoke(args=["analytics", "refresh"])
    assert result.exit_code == 0 and "failures" in result.output
    assert _failures_by_model(snapshots.failure_counts(utcnow())[0], model) == 2

    _failure(model, world.dealer_a, "SNAP-3")
    stale = utcnow() - timedelta(hours=2)
    _snapshot("failures").as_of = stale  # cron stopped: the page says how old, and waits
    _db.session.commit()
    counts, as_of = snapshots.failure_counts(utcnow())
    assert _failures_by_model(counts, model) == 2 and as_of == stale
    started = []
    monkeypatch.setattr(threading.Thread, "start", lambda thread: started.append(thread))
    page = client.get("/analytics/").get_data(as_text=True)
    assert _snapshot("failures").as_of == stale and "SNAP1" in page and started == []


def test_stored_scorecards_are_the_ranked_scorecards_of_the_period(world):
    dealer = factories.make_dealer()
    unit = factories.make_unit(serial="SC-1", dealer=dealer)
    today, now = shanghai_today(), utcnow()
    factories.make_card(unit, sale_date=today - timedelta(days=40), late_days=3)
    _db.session.flush()
    ids = [dealer.id, world.dealer_a.id]
    live = scorecards(months_back(3, today), today, now, dealers=ids)

    def as_read(cards):
        return [(c.dealer.id, c.rank, c.figures, c.trend) for c in cards]

    unsaved, period, as_of = snapshots.stored_scorecards(3, ids, today, now)  # not refreshed yet
    assert as_read(unsaved) == as_read(live) and as_of == now
    assert _snapshot("scorecards:3") is None
    snapshots.refresh_scorecards(3, today, now)
    stored, period, _as_of = snapshots.stored_scorecards(3, ids, today, now)
    assert period == months_back(3, today)
    assert as_read(stored) == as_read(live)
    assert stored[0].figures.cards_due == 1 or stored[1].figures.cards_due == 1

    tomorrow = today + timedelta(days=1)  # a new day before cron ran: yesterday's, as of then
    again, period, as_of = snapshots.stored_scorecards(3, ids, tomorrow, now)
    assert period == months_back(3, today) and as_of == now and as_read(again) == as_read(stored)


def test_the_overview_is_built_once_per_snapshot(world):
    built = []

    def build(counts):
        built.append(counts)
        return len(built)

    now = utcnow()
    snapshots.refresh_failures(now)
    assert snapshots.failure_overview(now, build)[0] == 1
    assert snapshots.failure_overview(now, build)[0] == 1 and len(built) == 1
    snapshots.refresh_failures(now + timedelta(seconds=1))
    made, as_of = snapshots.failure_overview(now + timedelta(seconds=1), build)
    assert made == 2 and as_of == now + timedelta(seconds=1)
    assert built[1] == page_counts(Filters())
    with force_locale("en"):  # labels are translated when built: one per language
        assert snapshots.failure_overview(now + timedelta(seconds=1), build)[0] == 3
    assert snapshots.failure_overview(now + timedelta(seconds=1), build)[0] == 2


def test_the_unfiltered_overview_is_rendered_once_per_snapshot_and_tab(app, client, login,
                                                                        world, monkeypatch):
    from portal.analytics import failure_views

    model = factories.make_model(code="ONCE1")
    _failure(model, world.dealer_a, "ONCE-1")
    assert app.test_cli_runner().invoke(args=["analytics", "refresh"]).exit_code == 0
    login(world.users[Role.TECHNICAL])
    rendered = []
    context = failure_views.overview_context
    monkeypatch.setattr(failure_views, "overview_context",
                        lambda *args: rendered.append(args[2]) or context(*args))
    first = client.get("/analytics/").get_data(as_text=True)
    assert client.get("/analytics/").get_data(as_text=True) == first and rendered == ["sale_month"]
    by_model = client.get("/analytics/?cost_by=model").get_data(as_text=True)
    assert rendered == ["sale_month", "model"] and "ONCE1" in first and by_model != first
    client.get(f"/analytics/?model_id={model.id}")  # filtered: counted and drawn each time
    client.get("/analytics/?sale_from=")  # another query string: drawn each time
    assert len(rendered) == 4
    _failure(model, world.dealer_a, "ONCE-2")
    assert app.test_cli_runner().invoke(args=["analytics", "refresh"]).exit_code == 0
    client.get("/analytics/")
    assert len(rendered) == 5  # a new snapshot: drawn again


def test_the_ranked_table_reads_the_kept_trend_scores(world):
    from portal.analytics.models import ScorecardSnapshot

    dealer = factories.make_dealer()
    unit = factories.make_unit(serial="SC-2", dealer=dealer)
    today, now = shanghai_today(), utcnow()
    factories.make_card(unit, sale_date=today - timedelta(days=40), late_days=3)
    factories.make_card(factories.make_unit(serial="SC-3", dealer=dealer),
                        sale_date=today - timedelta(days=70))
    _db.session.flush()
    ids = [dealer.id, world.dealer_a.id]
    live = {c.dealer.id: [m.score for m in c.trend]
            for c in scorecards(months_back(3, today), today, now, dealers=ids)}
    assert any(score is not None for score in live[dealer.id])
    snapshots.refresh_scorecards(3, today, now)
    cards, _period, _as_of = snapshots.stored_scorecards(3, ids, today, now, trend=False)
    assert {c.dealer.id: c.trend_scores for c in cards} == live
    assert all(c.trend is None for c in cards)  # the months' figures are not read
    _db.session.execute(sa.update(ScorecardSnapshot).values(scores=None))  # kept before
    _db.session.expire_all()
    cards, _period, _as_of = snapshots.stored_scorecards(3, ids, today, now, trend=False)
    assert {c.dealer.id: c.trend_scores for c in cards} == live
