"""The head-office dashboard: each queue's count and oldest item, today's alerts, the overdue
lists, a rep's counts scoped to its dealers, dealers kept out, and a fixed number of queries."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.claims.models import FinanceStage
from portal.core.db import SHANGHAI, utcnow
from portal.extensions import db
from portal.quality.models import AlertStatus, BatchAlert
from portal.reports.dashboard import dashboard
from portal.service.models import Channel, Complaint, ComplaintStatus
from tests import factories
from tests.helpers import QueryCounter


@pytest.fixture(autouse=True)
def english():
    with force_locale("en"):
        yield


def tiles(user, now=None) -> dict:
    board = dashboard(user, now or utcnow())
    return {t.key: t for _title, group in board["groups"] for t in group}


def _alert(part, batch, raised_at, status=AlertStatus.OPEN):
    alert = BatchAlert(part=part, batch=batch, status=status, failures=5,
                       expected=Decimal("1.5"), units=30, unit_days=3000,
                       baseline_rate=Decimal("0.0005"), p_value=Decimal("0.002"),
                       raised_at=raised_at)
    db.session.add(alert)
    return alert


def _complaint(number, received_at, dealer, status=ComplaintStatus.OPEN):
    db.session.add(Complaint(number=number, channel=Channel.PHONE, received_at=received_at,
                             customer_name="王五", description="投诉", status=status,
                             dealer=dealer, registered_by_id=factories._any_user_id()))


@pytest.fixture
def queues(world):
    """Work at both dealers: claims to decide, complaints, overdue requests, alerts."""
    now = utcnow()
    units = {d: factories.make_unit(dealer=d) for d in (world.dealer_a, world.dealer_b)}
    submitted = {}
    for dealer, days in ((world.dealer_a, 3), (world.dealer_a, 1), (world.dealer_b, 8)):
        claim = factories.make_claim(units[dealer], status="submitted")
        claim.submitted_at = now - timedelta(days=days)
        submitted.setdefault(dealer.id, []).append(claim)
    forwarded = factories.make_claim(units[world.dealer_b], status="approved")
    forwarded.finance_stage, forwarded.forwarded_at = FinanceStage.FORWARDED, now
    _complaint("TS-D-1", now - timedelta(days=5), world.dealer_a)
    _complaint("TS-D-2", now - timedelta(days=2), world.dealer_b, ComplaintStatus.ESCALATED)
    _complaint("TS-D-3", now - timedelta(days=9), world.dealer_b, ComplaintStatus.RESOLVED)
    late = factories.make_service_request(world.dealer_b, received_at=now - timedelta(hours=5))
    factories.make_service_request(world.dealer_a)  # routed 30 min ago: not overdue
    part = factories.make_part(name="后桥")
    today = datetime.combine(now.astimezone(SHANGHAI).date(), datetime.min.time(), SHANGHAI)
    _alert(part, "B-TODAY", today + timedelta(minutes=1))
    _alert(part, "B-OLD", today - timedelta(days=4))
    _alert(part, "B-DONE", today, AlertStatus.CLOSED)
    db.session.flush()
    return {"late": late, "now": now}


def test_tiles_count_each_queue_with_its_oldest(world, queues):
    t = tiles(world.users[Role.ADMIN], queues["now"])
    assert t["claims_to_decide"].count == 3 and t["claims_to_decide"].age_days in (8, 9)
    assert t["complaints_open"].count == 2 and t["complaints_open"].age_days in (5, 6)
    assert t["requests_overdue"].count == 1 and t["requests_overdue"].alert
    assert t["requests_to_arrange"].count == 2
    assert t["claims_to_audit"].count == 1
    assert t["open_alerts"].count == 2 and t["open_alerts"].alert
    assert t["open_alerts"].age_days == 4
    assert "1 raised today" in t["open_alerts"].note


def test_a_reps_counts_cover_its_dealers_only(world, queues):
    t = tiles(world.users[Role.SALES_REP], queues["now"])  # dealer A's rep
    assert t["claims_to_decide"].count == 2
    assert t["complaints_open"].count == 1
    assert t["requests_overdue"].count == 0
    assert t["claims_to_audit"].count == 0
    assert t["open_alerts"].count == 2  # alerts concern batches, not dealers


def test_page_shows_tiles_todays_alerts_and_overdue_items(client, login, world, queues):
    db.session.commit()
    login(world.users[Role.TECHNICAL])
    response = client.get("/dashboard")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="tile-claims_to_decide"' in html
    assert 'id="alerts-today"' in html and "B-TODAY" in html
    alerts_today = html.split('id="alerts-today"')[1].split("</section>")[0]
    assert "B-OLD" not in alerts_today
    assert queues["late"].number in html.split('id="overdue"')[1]


def test_every_head_office_role_sees_it_and_dealers_get_404(client, login, world, queues):
    db.session.commit()
    for role in (Role.CLERK, Role.SALES_REP, Role.TECHNICAL, Role.FINANCE, Role.ADMIN):
        login(world.users[role])
        assert client.get("/dashboard").status_code == 200, role
    login(world.dealer_b_admin)
    assert client.get("/dashboard").status_code == 404


def test_home_pages_link_to_it(client, login, world):
    login(world.users[Role.CLERK])
    assert "/dashboard" in client.get("/home/clerk").get_data(as_text=True)


def _more_work(world, n, first=0):
    now = utcnow()
    for i in range(first, first + n):
        dealer = factories.make_dealer(sales_rep=world.users[Role.SALES_REP])
        unit = factories.make_unit(dealer=dealer)
        factories.make_claim(unit, status="submitted").submitted_at = now
        factories.make_service_request(dealer, received_at=now - timedelta(hours=6))
        _complaint(f"TS-Q-{i}", now, dealer)
        _alert(factories.make_part(), f"B-Q-{i}", now)
    db.session.commit()


def test_queries_do_not_grow_with_the_work(client, login, world, db):
    login(world.users[Role.SALES_REP])
    _more_work(world, 2)
    with QueryCounter(db.engine) as few:
        assert client.get("/dashboard").status_code == 200
    _more_work(world, 8, first=2)
    with QueryCounter(db.engine) as many:
        assert client.get("/dashboard").status_code == 200
    assert many.count == few.count
    assert few.count < 45, few.count


def test_ages_count_shanghai_days(world):
    from portal.reports.dashboard import Board

    board = Board(world.users[Role.ADMIN], datetime(2026, 11, 23, 17, tzinfo=UTC))  # 24th, 01:00
    assert board.age(datetime(2026, 11, 23, 15, tzinfo=UTC)) == 1  # the 23rd, 23:00 Shanghai
    assert board.age(date(2026, 11, 20)) == 4
    assert board.age(None) is None


def test_head_office_tiles_come_from_the_snapshot_as_of_its_time(client, login, world, queues):
    """Head office reads the figures a snapshot counted (the same as counted live), says as of
    when, and sees new work once the snapshot is refreshed; a rep's counts stay live."""
    from portal.analytics import snapshots
    from portal.reports.dashboard import head_office_figures

    admin = world.users[Role.ADMIN]
    now = queues["now"]
    stored = head_office_figures(now)
    live = tiles(admin, now)
    board = dashboard(admin, now, stored)
    from_snapshot = {t.key: t for _title, group in board["groups"] for t in group}
    assert {k: (t.count, t.age_days, t.alert, t.note) for k, t in from_snapshot.items()} == {
        k: (t.count, t.age_days, t.alert, t.note) for k, t in live.items()}
    snapshots.refresh_dashboard(now)
    db.session.commit()
    _complaint("TS-D-4", now, world.dealer_a)
    db.session.commit()
    login(admin)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "as-of" in html
    assert '<span class="tile-count">2</span>' in html.split('id="tile-complaints_open"')[1]
    snapshots.refresh_dashboard(utcnow())
    db.session.commit()
    html = client.get("/dashboard").get_data(as_text=True)
    assert '<span class="tile-count">3</span>' in html.split('id="tile-complaints_open"')[1]
    login(world.users[Role.SALES_REP])
    html = client.get("/dashboard").get_data(as_text=True)
    assert "as-of" not in html
    assert '<span class="tile-count">2</span>' in html.split('id="tile-complaints_open"')[1]


def test_overdue_lists_name_each_item_and_a_rep_sees_its_dealers_only(world, queues):
    """The overdue lists are rows of the columns they show: the request's number, customer and
    dealer; the part's claim, number, name and dealer."""
    unit = factories.make_unit(dealer=world.dealer_b)
    claim = factories.make_claim(unit, status="approved")
    part = factories.make_part(number="P-LATE-1", name="液压泵")
    owed = factories.make_owed_part(claim, part, due_on=date(2026, 1, 5))
    db.session.flush()
    lists = dashboard(world.users[Role.ADMIN], queues["now"])["overdue"]
    request = next(r for r in lists["requests"] if r.id == queues["late"].id)
    assert (request.number, request.dealer) == (queues["late"].number, world.dealer_b.name)
    row = next(p for p in lists["parts"] if p.id == owed.id)
    assert (row.claim, row.part_number, row.part, row.dealer) == (
        claim.number, "P-LATE-1", "液压泵", world.dealer_b.name)
    rep = dashboard(world.users[Role.SALES_REP], queues["now"])["overdue"]  # dealer A's rep
    assert rep["requests"] == [] and owed.id not in [p.id for p in rep["parts"]]
