"""Finding a machine: where each unit stands in its dealer's stock (list, filter, unit page), a
serial's last digits, and a scanned nameplate or delivery-note code."""

import re

import pytest
import sqlalchemy as sa

from portal.accounts.roles import Role
from portal.stock.models import FreightPayer, StockReturn, StockReturnReason, StockReturnStatus
from portal.stock.standing import Standing, standings, with_standing
from portal.units.models import Unit
from portal.units.search import Code, read_code
from tests.factories import make_card, make_model, make_unit


@pytest.fixture
def fleet(world, db):
    """Dealer A's units, one of each standing, and two factory units (one back from a case)."""
    model = make_model("U-SF")
    units = {
        "in_stock": make_unit("SF20260001234", model, world.dealer_a),
        "sold": make_unit("SF20260005678", model, world.dealer_a),
        "leaving": make_unit("SF20260009999", model, world.dealer_a),
        "factory": make_unit("SF20260007777", model, None, shipped_on=None),
        "back": make_unit("SF20260008888", model, world.dealer_a),
        "other": make_unit("SF20260011234", model, world.dealer_b),
    }
    make_card(units["sold"], status="draft")
    make_card(units["back"], status="void")  # exchanged: its card void, back at the factory
    units["back"].dealer_id = None
    db.session.add(StockReturn(number="FC-T-9", dealer_id=world.dealer_a.id,
                               unit_id=units["leaving"].id, reason=StockReturnReason.DEFECTIVE,
                               freight_payer=FreightPayer.MAKER,
                               status=StockReturnStatus.APPROVED,
                               requested_by_id=world.users[Role.DEALER_STAFF].id))
    db.session.flush()
    return units


def test_each_unit_has_one_standing(fleet, db):
    got = standings([u.id for u in fleet.values()])
    assert {k: got[u.id] for k, u in fleet.items()} == {
        "in_stock": Standing.IN_STOCK, "sold": Standing.SOLD, "leaving": Standing.GONE,
        "factory": Standing.FACTORY, "back": Standing.GONE, "other": Standing.IN_STOCK}


@pytest.mark.parametrize("standing", list(Standing))
def test_the_filter_and_the_standing_agree(fleet, db, standing):
    ids = [u.id for u in fleet.values()]
    filtered = set(db.session.scalars(with_standing(sa.select(Unit.id).where(Unit.id.in_(ids)),
                                                    standing)))
    assert filtered == {i for i, s in standings(ids).items() if s == standing}


def _serials(client, query: str, htmx=True) -> set[str]:
    headers = {"HX-Request": "true"} if htmx else {}
    body = client.get(f"/units/?{query}", headers=headers).get_data(as_text=True)
    return {s for s in ("SF20260001234", "SF20260005678", "SF20260009999", "SF20260007777",
                        "SF20260008888", "SF20260011234") if s in body}


@pytest.mark.parametrize("standing, expected", [
    ("in_stock", {"SF20260001234"}), ("sold", {"SF20260005678"}),
    ("gone", {"SF20260009999"}), ("", {"SF20260001234", "SF20260005678", "SF20260009999"})])
def test_a_dealer_filters_its_units_by_standing(client, login, world, fleet, standing, expected):
    login(world.users[Role.DEALER_STAFF])
    assert _serials(client, f"q=SF&standing={standing}") == expected


def test_head_office_sees_factory_and_returned_units(client, login, world, fleet):
    login(world.users[Role.CLERK])
    assert _serials(client, "q=SF&standing=gone") == {"SF20260009999", "SF20260008888"}
    assert _serials(client, "q=SF&standing=factory") == {"SF20260007777"}


def test_the_list_and_the_unit_page_show_the_standing(client, login, world, fleet):
    login(world.users[Role.DEALER_STAFF])
    body = client.get("/units/?q=SF20260005678").get_data(as_text=True)
    assert "standing-sold" in body and "data-label=" in body
    page = client.get(f"/units/{fleet['leaving'].id}").get_data(as_text=True)
    assert "standing-gone" in page


def test_a_list_row_is_the_same_in_the_page_and_the_fragment(client, login, world, fleet):
    """Each row shows the unit's model and dealer codes and its cells' labels; the fragment,
    which has no model filter to fill, asks for no models."""
    login(world.users[Role.CLERK])
    page = client.get("/units/?q=SF20260005678").get_data(as_text=True)
    fragment = client.get("/units/?q=SF20260005678",
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    row = re.search(r"<tr>\s*<td[^>]*><a [^>]*>SF20260005678</a>.*?</tr>", page, re.S)[0]
    assert row in fragment and "<html" not in fragment
    assert ">U-SF</td>" in row and f">{world.dealer_a.code}</td>" in row
    assert row.count("data-label=") == 7 and "standing-sold" in row
    model = fleet["sold"].model
    assert f'<option value="{model.id}"' in page and "<option" not in fragment


def test_last_digits_find_a_dealers_serial(client, login, world, fleet):
    login(world.users[Role.DEALER_STAFF])
    assert _serials(client, "q=1234") == {"SF20260001234"}  # not dealer B's …11234
    assert _serials(client, "q=sf2026000") == {"SF20260001234", "SF20260005678",
                                               "SF20260009999"}
    assert 'inputmode="search"' in client.get("/units/").get_data(as_text=True)


def test_head_office_searches_the_start_only(client, login, world, fleet):
    login(world.users[Role.CLERK])
    assert _serials(client, "q=1234") == set()
    assert _serials(client, "q=SF2026001") == {"SF20260011234"}


@pytest.mark.parametrize("text, code", [
    ("SF20260001234", Code("serial", "SF20260001234")),
    ("  sf20260001234\n", Code("serial", "SF20260001234")),
    ("出厂编号：SF20260001234", Code("serial", "SF20260001234")),
    ("SN:sf20260001234", Code("serial", "SF20260001234")),
    ("https://maker.example/u?sn=SF20260001234&m=U-SF", Code("serial", "SF20260001234")),
    ("https://maker.example/units/SF20260001234/", Code("serial", "SF20260001234")),
    ("fh-2026-00042", Code("note", "FH-2026-00042")),
    ("", None), ("https://maker.example/", None)])
def test_read_code(text, code):
    assert read_code(text) == code


def test_a_scanned_nameplate_opens_the_unit(client, login, world, fleet):
    login(world.users[Role.DEALER_STAFF])
    response = client.get("/units/find?code=https://maker.example/u?sn=SF20260001234")
    assert response.status_code == 303
    assert response.location.endswith(f"/units/{fleet['in_stock'].id}")


def test_another_dealers_nameplate_is_not_found(client, login, world, fleet):
    login(world.users[Role.DEALER_STAFF])
    response = client.get("/units/find?code=SF20260011234")
    assert response.status_code == 303 and "q=SF20260011234" in response.location
    assert "flash-error" in client.get(response.location).get_data(as_text=True)
    assert _serials(client, "q=SF20260011234") == set()


def test_a_scanned_delivery_note_lists_its_units(client, login, world, fleet, db):
    fleet["in_stock"].delivery_note_no = "FH-2026-00042"
    fleet["other"].delivery_note_no = "FH-2026-00042"  # another dealer's: stays hidden
    db.session.flush()
    login(world.users[Role.DEALER_STAFF])
    response = client.get("/units/find?code=FH-2026-00042")
    assert response.status_code == 303 and "note=FH-2026-00042" in response.location
    assert _serials(client, "note=FH-2026-00042", htmx=False) == {"SF20260001234"}
