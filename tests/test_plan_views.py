"""Stocking plan pages as people use them: the dealer opens, changes and submits its plan; the
clerk approves it and exports the order; the overview and home pages; who sees what."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from portal.accounts.roles import Role
from portal.core.db import shanghai_today
from portal.extensions import db
from portal.planning.models import PlanStatus, StockingPlan
from portal.units.models import Unit
from tests.builders import line_of, make_note, make_plan, make_season, use
from tests.helpers import pdf_text

TODAY = shanghai_today()


@pytest.fixture
def upcoming(setup):
    """The setup's season moved to start in 40 days: due in 10."""
    setup.season.start_on = TODAY + timedelta(days=40)
    setup.season.end_on = TODAY + timedelta(days=130)
    db.session.commit()
    return setup


def _plan(world, season) -> StockingPlan:
    return db.session.scalar(db.select(StockingPlan).filter_by(dealer_id=world.dealer_a.id,
                                                               season_id=season.id))


def test_dealer_opens_changes_two_submits_clerk_approves_and_exports(client, login, world,
                                                                     upcoming):
    plan_setup = upcoming
    login(world.users[Role.DEALER_STAFF])
    index = client.get("/plans").get_data(as_text=True)
    assert "2027 春季" in index and "10" in index
    opened = client.post(f"/plans/open/{plan_setup.season.id}", data={"probe": "1"})
    assert opened.status_code == 303
    plan = _plan(world, plan_setup.season)
    page = client.get(opened.headers["Location"]).get_data(as_text=True)
    assert "<details><summary>" in page and "PLAN-M1" in page and "PLAN-W1" in page
    main, wear = line_of(plan, plan_setup.main), line_of(plan, plan_setup.wear)
    assert f'name="qty-{plan_setup.main.id}"' in page
    submitted = client.post(f"/plans/{plan.id}/submit", data={
        "version": plan.version, f"qty-{plan_setup.main.id}": "3", f"qty-{plan_setup.wear.id}": "8",
        "note": "两项多备"})
    assert submitted.status_code == 303, submitted.get_data(as_text=True)[:2000]
    db.session.refresh(plan)
    assert plan.status == PlanStatus.SUBMITTED and not plan.submitted_late
    assert (main.quantity, wear.quantity) == (3, 8) and main.overridden and wear.overridden
    assert plan.total_amount == Decimal("400.00")
    assert client.post(f"/plans/{plan.id}/approve", data={"version": plan.version}
                       ).status_code == 403  # a dealer cannot approve

    login(world.users[Role.CLERK])
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert f'name="approved-{main.id}"' in page
    refused = client.post(f"/plans/{plan.id}/approve", data={
        "version": plan.version, f"approved-{main.id}": "2"})
    assert refused.status_code == 422
    assert "PLAN-M1" in refused.get_data(as_text=True)
    db.session.refresh(plan)
    assert plan.status == PlanStatus.SUBMITTED
    approved = client.post(f"/plans/{plan.id}/approve", data={
        "version": plan.version, f"approved-{main.id}": "2", f"reason-{main.id}": "库存已有一件",
        "note": "同意"})
    assert approved.status_code == 303
    db.session.refresh(plan)
    assert plan.status == PlanStatus.APPROVED and plan.approved_amount == Decimal("300.00")

    xlsx = client.get(f"/plans/{plan.id}/order.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    cells = {(row[0].row, i): c.value for row in sheet.iter_rows() for i, c in enumerate(row)}
    values = [v for v in cells.values() if v is not None]
    assert plan.number in values and f"{world.dealer_a.code} {world.dealer_a.name}" in values
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    lines = [r for r in rows if r[1] in ("PLAN-M1", "PLAN-W1")]
    assert [(r[1], r[4], Decimal(str(r[5])), Decimal(str(r[6]))) for r in lines] == [
        ("PLAN-M1", 2, Decimal("100"), Decimal("200")),
        ("PLAN-W1", 8, Decimal("12.5"), Decimal("100"))]
    assert Decimal(str(rows[-1][6])) == Decimal("300")

    pdf = client.get(f"/plans/{plan.id}/order.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = pdf_text(pdf.data)
    assert plan.number in text and "PLAN-M1" in text and "300.00" in text
    assert world.dealer_a.name in text


def test_bad_quantity_is_refused_next_to_its_line(client, login, world, upcoming):
    plan_setup = upcoming
    login(world.users[Role.DEALER_ADMIN])
    client.post(f"/plans/open/{plan_setup.season.id}", data={"probe": "1"})
    plan = _plan(world, plan_setup.season)
    version = plan.version
    response = client.post(f"/plans/{plan.id}/save", data={
        "version": version, f"qty-{plan_setup.main.id}": "7", f"qty-{plan_setup.wear.id}": "-3"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'role="alert"' in body and 'value="-3"' in body
    db.session.refresh(plan)
    assert plan.version == version and line_of(plan, plan_setup.main).quantity == 2
    # Approved orders only: a draft has none.
    assert client.get(f"/plans/{plan.id}/order.xlsx").status_code == 404
    assert client.get(f"/plans/{plan.id}/order.pdf").status_code == 404


def test_late_warning_and_refresh(client, login, world, setup):
    setup.season.start_on = TODAY + timedelta(days=10)  # due 20 days ago
    db.session.commit()
    login(world.users[Role.DEALER_STAFF])
    client.post(f"/plans/open/{setup.season.id}", data={"probe": "1"})
    plan = _plan(world, setup.season)
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "flash-error" in page
    assert client.post(f"/plans/{plan.id}/refresh", data={"version": plan.version}
                       ).status_code == 303
    client.post(f"/plans/{plan.id}/submit", data={"version": plan.version})
    db.session.refresh(plan)
    assert plan.status == PlanStatus.SUBMITTED and plan.submitted_late


def test_overview_missing_filter_and_scope(client, login, world, setup):
    setup.season.start_on = TODAY + timedelta(days=10)
    make_season("旧季", date(2020, 3, 1), date(2020, 6, 1))
    db.session.commit()
    login(world.users[Role.CLERK])
    page = client.get(f"/plans?season={setup.season.id}&missing=1").get_data(as_text=True)
    assert "DA-01" in page and "DB-01" in page and 'class="missing"' in page
    home = client.get("/home/clerk").get_data(as_text=True)
    assert "plans-missing" in home and f"season={setup.season.id}" in home
    login(world.users[Role.SALES_REP])
    page = client.get(f"/plans?season={setup.season.id}").get_data(as_text=True)
    assert "DA-01" in page and "DB-01" not in page
    rows = client.get(f"/plans?season={setup.season.id}", headers={"HX-Request": "true"})
    assert "<html" not in rows.get_data(as_text=True)


def test_overview_counts_come_from_the_plans_snapshot_for_head_office(client, login, world,
                                                                      setup):
    from portal.analytics import snapshots
    from portal.core.db import utcnow
    from portal.planning.overview import asked_counts

    setup.season.start_on = TODAY + timedelta(days=10)  # due 20 days ago: both missing
    db.session.commit()
    url = f"/plans?season={setup.season.id}"
    login(world.users[Role.CLERK])
    live = client.get(url).get_data(as_text=True)  # before the first refresh: counted now
    assert "as-of" not in live
    assert snapshots.plan_counts(setup.season.id) == (None, None)
    snapshots.refresh_plans(utcnow())
    db.session.commit()
    counts, as_of = snapshots.plan_counts(setup.season.id)
    assert counts == asked_counts(setup.season) == (2, 0) and as_of is not None
    page = client.get(url).get_data(as_text=True)
    assert "as-of" in page and "DA-01" in page and "DB-01" in page
    assert '<span class="badge bad">2</span>' in page
    missing = client.get(url + "&missing=1").get_data(as_text=True)
    assert "DA-01" in missing and "DB-01" in missing
    login(world.users[Role.SALES_REP])  # a rep's counts are live: only their dealers
    page = client.get(url).get_data(as_text=True)
    assert "as-of" not in page and '<span class="badge bad">1</span>' in page


def test_other_dealers_and_their_reps_get_404(client, login, world, upcoming):
    plan_setup = upcoming
    login(world.users[Role.DEALER_STAFF])
    client.post(f"/plans/open/{plan_setup.season.id}", data={"probe": "1"})
    plan = _plan(world, plan_setup.season)
    client.post(f"/plans/{plan.id}/submit", data={"version": plan.version})
    for user in (world.dealer_b_admin, world.rep_b):
        login(user)
        assert client.get(f"/plans/{plan.id}").status_code == 404
    assert client.post(f"/plans/{plan.id}/approve", data={"version": "2"}).status_code == 404
    for role in (Role.TECHNICAL, Role.FINANCE):
        login(world.users[role])
        assert client.get(f"/plans/{plan.id}").status_code == 200
    login(world.users[Role.SALES_REP])
    home = client.get("/home/rep").get_data(as_text=True)
    assert "plans-waiting" in home and plan.number in home


def test_dealer_home_shows_the_next_plan(client, login, world, upcoming):
    login(world.users[Role.DEALER_STAFF])
    home = client.get("/home/dealer").get_data(as_text=True)
    assert 'id="plan-due"' in home and "2027 春季" in home


def test_the_next_plan_is_the_first_of_the_dealers_seasons_not_over_nor_submitted(world,
                                                                                  upcoming):
    """``next_due`` (which leaves the seasons over out before asking which concern the dealer)
    picks as a filter of ``dealer_seasons`` does."""
    from portal.planning.overview import dealer_seasons, next_due

    def expected():
        return next((item.season for item in dealer_seasons(world.dealer_a, TODAY)
                     if item.season.end_on >= TODAY
                     and (item.plan is None or item.plan.status == PlanStatus.DRAFT)), None)

    make_season("2026 秋季", TODAY - timedelta(days=60), TODAY - timedelta(days=1))
    later = make_season("2027 三夏", TODAY + timedelta(days=60), TODAY + timedelta(days=150))
    make_season("2027 秋收", TODAY + timedelta(days=90), TODAY + timedelta(days=160),
                provinces=["新疆维吾尔自治区"])  # no province of the dealer's: not asked
    make_season("2027 新疆早春", TODAY + timedelta(days=1), TODAY + timedelta(days=100),
                provinces=["新疆维吾尔自治区"])  # due soonest, but not the dealer's
    assert next_due(world.dealer_a, TODAY).season == expected() == upcoming.season
    make_plan(upcoming.season, world.dealer_a, [], status=PlanStatus.SUBMITTED)
    assert next_due(world.dealer_a, TODAY).season == expected() == later
    make_plan(later, world.dealer_a, [], status=PlanStatus.DRAFT)
    assert next_due(world.dealer_a, TODAY).season == expected() == later


def test_each_suggestion_shows_what_last_season_planned_bought_and_used(client, login, world,
                                                                      upcoming):

    last = make_season("2026 秋季", date(2026, 9, 15), date(2026, 11, 15))
    make_plan(last, world.dealer_a, [(upcoming.main, 2, None)])
    make_note(world.dealer_a, date(2026, 9, 1), [(upcoming.main, 2, 2)], confirmed=True)
    unit = db.session.scalar(db.select(Unit).filter_by(dealer_id=world.dealer_a.id))
    use(unit, upcoming.main, 3, date(2026, 10, 1))
    db.session.commit()
    login(world.users[Role.DEALER_STAFF])
    opened = client.post(f"/plans/open/{upcoming.season.id}", data={"probe": "1"})
    with force_locale("en"):
        client.post("/language", data={"lang": "en"})
        page = client.get(opened.headers["Location"]).get_data(as_text=True)
    assert "Last season (2026 秋季): planned 2, bought 2, used in repairs 3." in page
    assert "Last season (2026 秋季): not planned, bought or used." in page  # the wear part


def test_last_season_is_kept_with_the_suggestion_not_read_on_every_view(client, login, world,
                                                                      upcoming, runner):
    last = make_season("2026 秋季", date(2026, 9, 15), date(2026, 11, 15))
    unit = db.session.scalar(db.select(Unit).filter_by(dealer_id=world.dealer_a.id))
    use(unit, upcoming.main, 3, date(2026, 10, 1))
    db.session.commit()
    login(world.users[Role.DEALER_STAFF])
    client.post("/language", data={"lang": "en"})
    opened = client.post(f"/plans/open/{upcoming.season.id}", data={"probe": "1"})
    plan = _plan(world, upcoming.season)
    main, wear = line_of(plan, upcoming.main), line_of(plan, upcoming.wear)
    assert main.basis["last"] == {"season": last.name, "planned": None, "bought": 0, "used": 3}
    assert wear.basis["last"] == {"season": last.name}
    use(unit, upcoming.main, 2, date(2026, 10, 2))  # a late claim: the plan shows its basis
    db.session.commit()
    page = client.get(opened.headers["Location"]).get_data(as_text=True)
    assert "planned no plan, bought 0, used in repairs 3." in page
    refreshed = client.post(f"/plans/{plan.id}/refresh", data={"version": plan.version})
    assert refreshed.status_code == 303
    page = client.get(opened.headers["Location"]).get_data(as_text=True)
    assert "planned no plan, bought 0, used in repairs 5." in page
    # a line suggested before the basis kept last season is worked out as the page is shown
    db.session.refresh(main)
    main.basis = {k: v for k, v in main.basis.items() if k != "last"}
    db.session.commit()
    page = client.get(opened.headers["Location"]).get_data(as_text=True)
    assert "planned no plan, bought 0, used in repairs 5." in page
    # until the command keeps it (once)
    for lines in (1, 0):
        result = runner.invoke(args=["plans", "keep-last-season"])
        assert result.exit_code == 0 and f"{lines} lines of {lines} plans" in result.output
    db.session.refresh(main)
    assert main.basis["last"]["used"] == 5


def test_units_are_counted_now_only_when_asked(client, login, world, upcoming):
    login(world.users[Role.DEALER_STAFF])
    client.post("/language", data={"lang": "en"})
    opened = client.post(f"/plans/open/{upcoming.season.id}", data={"probe": "1"})
    url = opened.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert "Count them now" in page and "Now:" not in page
    full = client.get(f"{url}?units=now").get_data(as_text=True)
    assert "Now: 0 sold and in warranty, 10 in stock." in full and "<h1>" in full
    fragment = client.get(f"{url}?units=now", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert text.startswith('<span id="units-now">') and "10 in stock" in text
    assert "HX-Request" in fragment.headers["Vary"]


def test_lines_come_a_page_at_a_time_and_moving_on_saves(client, login, world, upcoming,
                                                          monkeypatch):
    from portal.planning import scope

    monkeypatch.setattr(scope, "LINES_PAGE", 1)
    plan_setup = upcoming
    login(world.users[Role.DEALER_ADMIN])
    client.post("/language", data={"lang": "en"})
    client.post(f"/plans/open/{plan_setup.season.id}", data={"probe": "1"})
    plan = _plan(world, plan_setup.season)
    first, second = sorted(plan.lines, key=lambda line: line.position)[:2]
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert f'name="qty-{first.part_id}"' in page and f'name="qty-{second.part_id}"' not in page
    assert f"Parts 1–1 of {len(plan.lines)}" in page
    moved = client.post(f"/plans/{plan.id}/save", data={
        "version": plan.version, "page": "1", "go": "2", f"qty-{first.part_id}": "9"})
    assert moved.status_code == 303 and moved.headers["Location"].endswith("?page=2")
    page = client.get(moved.headers["Location"]).get_data(as_text=True)
    assert f'name="qty-{second.part_id}"' in page and f'name="qty-{first.part_id}"' not in page
    db.session.refresh(first)
    assert first.quantity == 9 and second.quantity == second.suggested_qty
