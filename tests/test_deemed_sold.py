"""Units deemed sold: neither sold nor returned after two operating seasons that apply to them."""

from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.catalog.models import ModelCategory, Season, SeasonKind
from portal.stock import services
from portal.stock.deemed import deemed_sold, nearly_sold
from portal.stock.models import StockReturnReason
from tests import factories

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def english(app):
    with force_locale("en"):
        yield


def season(db, name, start, end, categories=("tractor_large",), provinces=(),
           kind=SeasonKind.OPERATING):
    s = Season(name=name, kind=kind, start_on=start, end_on=end, categories=list(categories),
               provinces=list(provinces))
    db.session.add(s)
    db.session.flush()
    return s


@pytest.fixture
def seasons(db):
    """Autumn 2025 and spring 2026 have ended; autumn 2026 ends yesterday (22 Nov)."""
    return [season(db, "2025秋", date(2025, 9, 15), date(2025, 11, 15)),
            season(db, "2026春", date(2026, 3, 10), date(2026, 6, 15)),
            season(db, "2026秋", date(2026, 9, 15), TODAY - timedelta(days=1))]


def unit(world, shipped_on, dealer=None, category=ModelCategory.TRACTOR_LARGE):
    return factories.make_unit(dealer=dealer or world.dealer_a, shipped_on=shipped_on,
                               model=factories.make_model(category=category))


def serials(rows):
    return {a.unit.serial for a in rows}


def test_two_seasons_make_it_sold_one_does_not(world, seasons):
    two = unit(world, date(2025, 12, 1))  # spring 2026 and autumn 2026
    three = unit(world, date(2025, 9, 1))
    one = unit(world, date(2026, 3, 11))  # spring started before it came: only autumn 2026
    rows = deemed_sold(None, TODAY)
    assert serials(rows) == {two.serial, three.serial}
    row = next(a for a in rows if a.unit.id == two.id)
    assert [s.name for s in row.seasons] == ["2026春", "2026秋"]
    assert row.sold_on == TODAY - timedelta(days=1) and row.dealer == world.dealer_a
    assert next(a for a in rows if a.unit.id == three.id).sold_on == date(2026, 6, 15)
    assert one.serial in serials(nearly_sold(None, TODAY))


def test_a_season_starting_on_the_shipping_day_counts(world, seasons):
    same_day = unit(world, date(2026, 3, 10))
    assert same_day.serial in serials(deemed_sold(None, TODAY))


def test_a_season_ending_today_does_not_count_yet(world, seasons):
    shipped = unit(world, date(2025, 12, 1))
    assert shipped.serial not in serials(deemed_sold(None, TODAY - timedelta(days=1)))
    assert shipped.serial in serials(deemed_sold(None, TODAY))


def test_only_operating_seasons_of_its_category_and_province_count(world, db):
    season(db, "2026春", date(2026, 3, 10), date(2026, 6, 15))
    season(db, "销售季", date(2026, 7, 1), date(2026, 8, 1), kind=SeasonKind.SELLING)
    season(db, "收获机", date(2026, 8, 1), date(2026, 8, 30), categories=["combine"])
    season(db, "河南秋", date(2026, 9, 1), date(2026, 10, 1), provinces=["河南省"])
    tractor_a = unit(world, date(2026, 1, 1))  # 山东: spring only (selling, combine, 河南 not)
    tractor_b = unit(world, date(2026, 1, 1), dealer=world.dealer_b)  # 河南: spring and 河南秋
    combine = unit(world, date(2026, 1, 1), category=ModelCategory.COMBINE)
    assert serials(deemed_sold(None, TODAY)) == {tractor_b.serial}
    assert {tractor_a.serial, combine.serial} <= serials(nearly_sold(None, TODAY))


def test_sold_returned_and_returning_units_are_not_listed(world, seasons, db):
    sold = unit(world, date(2025, 1, 1))
    factories.make_card(sold)
    voided = unit(world, date(2025, 1, 1))
    factories.make_card(voided, status="void")
    returning = unit(world, date(2025, 1, 1))
    staff, clerk = world.users[Role.DEALER_STAFF], world.users[Role.CLERK]
    now = datetime(2025, 10, 1, tzinfo=UTC)  # asked in time: before two seasons had ended
    ret = services.request_return(returning, StockReturnReason.UNSELLABLE, "积压", actor=staff,
                                  now=now)
    returned = unit(world, date(2025, 1, 1))
    done = services.request_return(returned, StockReturnReason.DEFECTIVE, "故障", actor=staff,
                                   now=now)
    services.approve_return(done, "", actor=clerk, version=done.version)
    services.receive_return(done, "", actor=clerk, version=done.version)
    refused = unit(world, date(2025, 1, 1))
    no = services.request_return(refused, StockReturnReason.DEFECTIVE, "故障", actor=staff,
                                 now=now)
    services.refuse_return(no, "可以销售", actor=clerk, version=no.version)
    assert ret.status == "requested"
    assert serials(deemed_sold(None, TODAY)) == {voided.serial, refused.serial}
    # Shipped again, to another dealer, before the two seasons: it counts afresh.
    returned.dealer_id, returned.shipped_on = world.dealer_b.id, date(2025, 2, 1)
    db.session.flush()
    assert serials(deemed_sold(None, TODAY)) == {voided.serial, refused.serial, returned.serial}


def test_scoped_to_the_dealers_given(world, seasons):
    mine = unit(world, date(2025, 1, 1))
    theirs = unit(world, date(2025, 1, 1), dealer=world.dealer_b)
    assert serials(deemed_sold([world.dealer_a.id], TODAY)) == {mine.serial}
    assert serials(deemed_sold(None, TODAY)) == {mine.serial, theirs.serial}


def test_the_page_and_export_are_scoped(client, login, world, seasons, db):
    mine = unit(world, date(2025, 1, 1))
    theirs = unit(world, date(2025, 1, 1), dealer=world.dealer_b)
    db.session.commit()
    login(world.users[Role.DEALER_STAFF])
    page = client.get("/stock/deemed-sold").get_data(as_text=True)
    assert mine.serial in page and theirs.serial not in page
    assert client.get(f"/stock/deemed-sold?dealer={world.dealer_b.id}").status_code == 404
    export = client.get("/stock/deemed-sold.xlsx")
    assert export.status_code == 200 and export.data[:2] == b"PK"
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(export.data)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [mine.serial]
    login(world.users[Role.SALES_REP])
    assert client.get(f"/stock/deemed-sold?dealer={world.dealer_b.id}").status_code == 404
    login(world.users[Role.CLERK])
    page = client.get(f"/stock/deemed-sold?dealer={world.dealer_b.id}").get_data(as_text=True)
    assert theirs.serial in page and mine.serial not in page


def test_the_list_pages_by_serial(client, login, world, seasons, db, app):
    app.config["PAGE_SIZE"], size = 2, app.config["PAGE_SIZE"]
    try:
        made = sorted(unit(world, date(2025, 1, 1)).serial for _ in range(5))
        db.session.commit()
        login(world.users[Role.CLERK])
        from tests.helpers import walk_pages

        seen = walk_pages(client, "/stock/deemed-sold", r"SN\d+")
        assert seen == made
    finally:
        app.config["PAGE_SIZE"] = size


def test_nearly_sold_first_counts_and_lists_as_nearly_sold_does(world, seasons):
    """The dealer page's count and first units are nearly_sold's, in serial order."""
    from portal.stock.deemed import nearly_sold_first

    for shipped_on in (date(2026, 3, 11), date(2026, 4, 1), date(2025, 12, 1), TODAY):
        unit(world, shipped_on)
    everyone = nearly_sold(None, TODAY)
    for first in (0, 1, 10):
        count, listed = nearly_sold_first(None, TODAY, first)
        assert count == len(everyone) >= 2
        assert [(a.unit.serial, a.shipped_on, a.seasons, a.next_season) for a in listed] == [
            (a.unit.serial, a.shipped_on, a.seasons, a.next_season) for a in everyone[:first]]


def test_nearly_sold_first_follows_the_rule_per_category_and_province(world, db):
    """Counted by the database in windows of shipping days, the dealer page's units are still
    ``nearly_sold``'s: each category and province with its own seasons, on either side of
    each season's first day, with sold, returning and other dealers' units left out."""
    from portal.stock.deemed import nearly_sold_first

    season(db, "2025秋", date(2025, 9, 15), date(2025, 11, 15))
    season(db, "2026春", date(2026, 3, 10), date(2026, 6, 15))
    season(db, "河南秋", date(2026, 9, 1), date(2026, 10, 1), provinces=["河南省"])
    season(db, "收获机", date(2026, 8, 1), date(2026, 8, 30), categories=["combine"])
    season(db, "将来", date(2026, 12, 1), date(2027, 1, 1))  # not ended: counts for nothing
    days = [date(2025, 9, 14), date(2025, 9, 15), date(2025, 9, 16), date(2026, 3, 9),
            date(2026, 3, 10), date(2026, 3, 11), date(2026, 7, 31), date(2026, 8, 1),
            date(2026, 8, 2), date(2026, 9, 1), date(2026, 9, 2), TODAY]
    for dealer in (world.dealer_a, world.dealer_b):
        for day in days:
            for category in (ModelCategory.TRACTOR_LARGE, ModelCategory.COMBINE):
                unit(world, day, dealer=dealer, category=category)
    factories.make_card(unit(world, date(2026, 3, 11)))  # sold
    for dealer_ids in (None, [world.dealer_a.id], [world.dealer_b.id]):
        everyone = nearly_sold(dealer_ids, TODAY)
        count, listed = nearly_sold_first(dealer_ids, TODAY, 100)
        assert count == len(everyone) == len(listed) > 2
        assert [(a.unit.serial, a.seasons, a.next_season) for a in listed] == [
            (a.unit.serial, a.seasons, a.next_season) for a in everyone]
    for dealer in (world.dealer_a, world.dealer_b):  # the home page passes its province
        given = nearly_sold_first([dealer.id], TODAY, 100, provinces=[dealer.province])
        assert [(a.unit.serial, a.seasons) for a in given[1]] == [
            (a.unit.serial, a.seasons) for a in nearly_sold([dealer.id], TODAY)]
        assert given[0] == nearly_sold_first([dealer.id], TODAY, 100)[0]
    assert nearly_sold_first(None, date(2025, 1, 1), 10) == (0, [])  # no season over yet
