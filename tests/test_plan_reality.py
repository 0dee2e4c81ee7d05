"""Plan against reality: planned, bought and used per dealer and part, the windows' edges, the
page's scoping and its Excel sheet."""

import io
import itertools
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import load_workbook

from portal.accounts.roles import Role
from portal.catalog.models import ModelCategory, PolicySettings, Season, SeasonKind
from portal.planning.models import PlanStatus
from portal.planning.reality import last_season_reality, plan_vs_reality
from tests import factories
from tests.builders import make_note, make_plan, use
from tests.helpers import QueryCounter

_seq = itertools.count(1)
SPRING = (date(2026, 3, 10), date(2026, 6, 15))  # the plan is due on 8 February


def make_season(start_on=SPRING[0], end_on=SPRING[1], *, categories=("tractor_large",),
                kind=SeasonKind.OPERATING, plan_required=True, name=None) -> Season:
    season = Season(name=name or f"{start_on.year} 季{next(_seq)}", kind=kind, start_on=start_on,
                    end_on=end_on, categories=list(categories), provinces=[],
                    plan_required=plan_required)
    factories.db.session.add(season)
    factories.db.session.flush()
    return season


def _figures(reality):
    return {(r.dealer.code, r.part.part_number): (r.planned, r.bought, r.used)
            for r in reality.rows}


def _spring(world):
    """Dealer A: an approved plan, deliveries and repairs around the windows' edges; dealer B:
    a submitted plan; a third dealer: a draft plan and one repair."""
    shop = factories.workshop(world.dealer_a)
    main, wear, other = shop.main_part, shop.wear_part, shop.other_model_part
    combine_part = factories.make_part(
        models=[factories.make_model(category=ModelCategory.COMBINE)])
    season = make_season()
    make_plan(season, world.dealer_a, [(main, 4, 3), (wear, 10, None)])
    make_plan(season, world.dealer_b, [(main, 2, 5)], status=PlanStatus.SUBMITTED)
    dealer_c = factories.make_dealer("DC-01")
    make_plan(season, dealer_c, [(wear, 7, None)], status=PlanStatus.DRAFT)
    make_note(world.dealer_a, date(2026, 2, 7), [(main, 10, None)])  # before the due date
    make_note(world.dealer_a, date(2026, 2, 8), [(main, 3, 2), (wear, 5, None),
                                                 (combine_part, 6, None)], confirmed=True)
    make_note(world.dealer_a, date(2026, 6, 15), [(wear, 4, 1)])  # not confirmed: shipped
    make_note(world.dealer_a, date(2026, 6, 16), [(wear, 9, None)])  # after the season
    make_note(world.dealer_b, date(2026, 3, 1), [(main, 1, None)])
    unit_a = shop.unit
    use(unit_a, main, 3, date(2026, 6, 15))  # the season's last day
    use(unit_a, main, 1, date(2026, 6, 16))
    use(unit_a, main, 1, date(2026, 3, 9))
    use(unit_a, wear, 2, date(2026, 3, 10), status="approved", decision="approved")
    use(unit_a, wear, 5, date(2026, 4, 1), status="draft")
    use(unit_a, wear, 4, date(2026, 4, 1), status="partly_approved", decision="rejected")
    use(unit_a, other, 1, date(2026, 5, 1), decision="reduced")
    combine_unit = factories.make_unit(model=combine_part.models[0], dealer=world.dealer_a)
    use(combine_unit, combine_part, 2, date(2026, 5, 1))  # not this season's category
    unit_c = factories.make_unit(model=shop.model, dealer=dealer_c)
    use(unit_c, wear, 1, date(2026, 4, 1))
    factories.db.session.flush()
    return season, shop, dealer_c


def test_planned_bought_used_and_the_windows_edges(world, db):
    season, shop, _c = _spring(world)
    assert PolicySettings.current().plan_lead_days == 30
    reality = plan_vs_reality(season)
    assert reality.bought_from == date(2026, 2, 8)
    main, wear, other = (p.part_number for p in (shop.main_part, shop.wear_part,
                                                 shop.other_model_part))
    assert _figures(reality) == {
        ("DA-01", main): (3, 2, 3),  # approved 3 of 4; 2 of 3 received; 3 used on the last day
        ("DA-01", wear): (10, 9, 2),  # 5 confirmed as shipped + 4 not yet confirmed
        ("DA-01", other): (0, 0, 1),  # not in the plan: planned 0, not "no plan"
        ("DB-01", main): (2, 1, 0),  # submitted: the dealer's quantity, not the reviewer's
        ("DC-01", wear): (None, 0, 1),  # a draft counts as no plan
    }
    row = next(r for r in reality.rows if r.part.part_number == main and
               r.dealer.code == "DA-01")
    assert (row.bought_gap, row.used_gap, row.short, row.left_over) == (-1, 1, 1, 0)
    dealer_a = reality.dealers[0]
    assert (dealer_a.dealer.code, dealer_a.plan_status) == ("DA-01", PlanStatus.APPROVED)
    assert (dealer_a.planned, dealer_a.bought, dealer_a.used) == (13, 11, 6)
    assert (dealer_a.short, dealer_a.left_over) == (2, 7)
    dealer_c = reality.dealers[2]
    assert dealer_c.planned is None and not dealer_c.has_plan


def test_limits_by_dealer_and_part(world, db):
    season, shop, _c = _spring(world)
    only_b = plan_vs_reality(season, [world.dealer_b.id])
    assert [d.dealer.code for d in only_b.dealers] == ["DB-01"]
    only_wear = plan_vs_reality(season, part_ids=[shop.wear_part.id])
    assert {r.part.id for r in only_wear.rows} == {shop.wear_part.id}
    assert len(only_wear.rows) == 2


def test_a_counted_plan_without_movements_still_shows_its_dealer(world, db):
    season = make_season()
    part = factories.make_part()
    make_plan(season, world.dealer_b, [(part, 0, None)], status=PlanStatus.SUBMITTED)
    reality = plan_vs_reality(season)
    assert [(d.dealer.code, d.rows, d.planned) for d in reality.dealers] == [("DB-01", [], 0)]


def test_last_season_reality(world, db):
    shop = factories.workshop(world.dealer_a)
    spring_2025 = make_season(date(2025, 3, 10), date(2025, 6, 15))
    make_season(date(2025, 9, 15), date(2025, 11, 15), categories=["combine"])
    make_season(date(2025, 9, 1), date(2025, 12, 1), kind=SeasonKind.SELLING)
    make_season(date(2025, 10, 1), date(2026, 1, 31), plan_required=False)
    make_season(date(2026, 1, 1), date(2026, 3, 31))  # not over when spring 2026 starts
    spring_2026 = make_season()
    make_plan(spring_2025, world.dealer_a, [(shop.wear_part, 4, None)])
    make_note(world.dealer_a, date(2025, 3, 1), [(shop.wear_part, 4, None)])
    use(shop.unit, shop.wear_part, 7, date(2025, 5, 1))
    use(factories.make_unit(model=shop.model, dealer=world.dealer_b), shop.wear_part, 9,
        date(2025, 5, 1))
    previous, rows = last_season_reality(world.dealer_a, spring_2026)
    assert previous == spring_2025
    row = rows[shop.wear_part.id]
    assert (row.planned, row.bought, row.used) == (4, 4, 7)
    assert list(rows) == [shop.wear_part.id]
    assert last_season_reality(world.dealer_a, spring_2025) == (None, {})


def _url(season, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/plans/reality?season={season.id}" + (f"&{query}" if query else "")


def test_page_is_scoped_to_the_users_dealers(client, login, world, db):
    season, shop, _c = _spring(world)
    db.session.commit()
    login(world.users[Role.DEALER_STAFF])
    body = client.get(_url(season)).get_data(as_text=True)
    assert "DA-01" in body and "DB-01" not in body and "DC-01" not in body
    assert _("%(n)d short", n=1) in body
    assert client.get(_url(season, dealer=world.dealer_b.id)).status_code == 404
    export = f"/plans/reality.xlsx?season={season.id}&dealer={world.dealer_b.id}"
    assert client.get(export).status_code == 404
    login(world.users[Role.SALES_REP])  # rep of dealer A only
    body = client.get(_url(season)).get_data(as_text=True)
    assert "DA-01" in body and "DB-01" not in body
    assert client.get(_url(season, dealer=world.dealer_b.id)).status_code == 404
    login(world.rep_b)
    body = client.get(_url(season)).get_data(as_text=True)
    assert "DB-01" in body and "DA-01" not in body
    login(world.users[Role.CLERK])
    body = client.get(_url(season)).get_data(as_text=True)
    assert all(code in body for code in ("DA-01", "DB-01", "DC-01"))
    assert _("no plan") in body
    body = client.get(_url(season, dealer=world.dealer_b.id),
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "DB-01" in body and "DA-01" not in body  # the table only, not the dealer picker
    body = client.get(_url(season, q=shop.wear_part.part_number),
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in body and shop.wear_part.part_number in body
    assert shop.main_part.part_number not in body
    assert client.get("/plans/reality?season=999999").status_code == 404


def test_page_defaults_to_the_latest_started_season_needing_plans(client, login, world, db):
    factories.make_part()
    make_season(date(2026, 3, 10), date(2026, 6, 15), name="2026 春耕")
    make_season(date(2026, 9, 1), date(2026, 10, 1), name="2026 秋无计划", plan_required=False)
    make_season(date(2099, 3, 10), date(2099, 6, 15), name="2099 春耕")
    db.session.commit()
    login(world.users[Role.ADMIN])
    body = client.get("/plans/reality").get_data(as_text=True)
    assert '<option value="' in body and "2099 春耕" not in body
    selected = body.split("selected>")[1].split("<")[0]
    assert selected.startswith("2026 春耕")


def test_excel_sheet_has_the_rows_shown(client, login, world, db):
    season, shop, _c = _spring(world)
    db.session.commit()
    login(world.users[Role.CLERK])
    response = client.get(f"/plans/reality.xlsx?season={season.id}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == [_("Dealer code"), _("Dealer"), _("Plan"), _("Part number"), _("Part"),
                       _("Planned"), _("Bought"), _("Used in repairs"), _("Bought − planned"),
                       _("Used − bought")]
    main = shop.main_part
    assert rows[1] == ["DA-01", "甲经销商", PlanStatus.APPROVED.title, main.part_number,
                       main.name, 3, 2, 3, -1, 1]
    no_plan = next(r for r in rows if r[0] == "DC-01")
    assert no_plan[2] == _("No plan") and no_plan[5:] == [None, 0, 1, None, 1]
    assert len(rows) == 6


def _grow(world, season, n):
    """``n`` more dealers, each with a plan, a delivery and a repair for two parts."""
    model = factories.make_model()
    for _i in range(n):
        dealer = factories.make_dealer()
        parts = [factories.make_part(models=[model], price=Decimal("10.00")) for _p in range(2)]
        make_plan(season, dealer, [(p, 2, None) for p in parts])
        make_note(dealer, date(2026, 3, 1), [(p, 2, 1) for p in parts], confirmed=True)
        unit = factories.make_unit(model=model, dealer=dealer)
        for part in parts:
            use(unit, part, 1, date(2026, 4, 1))
    factories.db.session.commit()


def _count(db, client, url):
    with QueryCounter(db.engine) as counter:
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
    return counter.count


def test_query_count_does_not_grow_with_rows(client, login, world, db):
    season = make_season()
    login(world.users[Role.CLERK])
    _grow(world, season, 2)
    _count(db, client, _url(season))  # warm up
    few = _count(db, client, _url(season))
    _grow(world, season, 10)
    assert _count(db, client, _url(season)) == few
    export = f"/plans/reality.xlsx?season={season.id}"
    assert _count(db, client, export) <= few + 1
