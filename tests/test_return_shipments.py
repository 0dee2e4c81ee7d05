"""Return shipments: who may ship what, cancellation, the pages, and the printed labels whose QR
codes and CJK text are read back from the PDF."""

import io
import re
from datetime import timedelta
from functools import partial

import pypdfium2
import pytest
import sqlalchemy as sa
import zxingcpp
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.core.audit import AuditEntry
from portal.core.db import shanghai_today
from portal.core.errors import DomainError
from portal.core.numbering import SCHEMES
from portal.extensions import db
from portal.returns import documents
from portal.returns.models import OwedStatus, Receipt, ReturnShipment, ShipMethod
from portal.returns.shipments import cancel_shipment, create_shipment
from tests import builders, factories
from tests.builders import owed_parts_of as owed_of
from tests.helpers import count_queries

TODAY = shanghai_today()


@pytest.fixture(autouse=True)
def english():
    with force_locale("en"):
        yield


submitted_claim = partial(builders.claim_owing_parts, today=TODAY)


@pytest.fixture
def login(login, client):
    """Sign in and read the pages in English, so messages are asserted in their source text."""

    def in_english(user):
        login(user)
        client.post("/language", data={"lang": "en"})

    return in_english


@pytest.fixture
def staff(world):
    return world.users[Role.DEALER_STAFF]


@pytest.fixture
def owed(world, staff):
    return owed_of(submitted_claim(world.dealer_a, staff))


def ship(dealer, parts, actor, **values):
    values = {"method": ShipMethod.TRUCK, "waybill": "", "shipped_on": TODAY, **values}
    return create_shipment(dealer, [p.id for p in parts], actor=actor, today=TODAY, **values)


# ---------------------------------------------------------------- the rules


def test_submission_owes_the_parts_and_a_shipment_takes_them(world, staff, owed):
    assert len(owed) == 3 and {o.status for o in owed} == {OwedStatus.OWED}
    shipment = ship(world.dealer_a, owed, staff, method=ShipMethod.COURIER, waybill=" SF123 ",
                    shipped_on=TODAY - timedelta(days=30))
    year, seq = SCHEMES["return_shipment"].parse(shipment.number)
    assert (year, shipment.number) == (TODAY.year, f"HY{TODAY.year}{seq:06d}")
    assert shipment.waybill == "SF123" and shipment.status == "shipped"
    assert [line.owed_part for line in shipment.lines] == owed
    assert {line.receipt for line in shipment.lines} == {Receipt.PENDING}
    assert {o.status for o in owed} == {OwedStatus.SHIPPED}
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "ship")).all()
    assert {e.entity_type for e in entries} == {"return_shipments", "owed_parts"}
    assert len(entries) == 4


@pytest.mark.parametrize("values, field", [
    ({"method": ShipMethod.COURIER, "waybill": "  "}, "waybill"),
    ({"method": "plane"}, "method"),
    ({"shipped_on": TODAY + timedelta(days=1)}, "shipped_on"),
    ({"shipped_on": TODAY - timedelta(days=31)}, "shipped_on"),
    ({"shipped_on": None}, "shipped_on"),
    ({"waybill": "X" * 61}, "waybill"),
])
def test_shipping_details_are_checked(world, staff, owed, values, field):
    with pytest.raises(DomainError) as refused:
        ship(world.dealer_a, owed, staff, **values)
    assert refused.value.field == field
    assert {o.status for o in owed} == {OwedStatus.OWED}


def test_an_empty_shipment_is_refused(world, staff, owed):
    with pytest.raises(DomainError, match="at least one") as refused:
        ship(world.dealer_a, [], staff)
    assert refused.value.field == "owed_parts"


def test_only_the_dealers_own_staff_ship_its_own_parts(world, staff, owed):
    other = world.dealer_b_admin
    with pytest.raises(DomainError, match="own staff"):
        ship(world.dealer_a, owed, other)  # dealer B's user for dealer A
    with pytest.raises(DomainError, match="own staff"):
        ship(world.dealer_a, owed, world.users[Role.CLERK])
    with pytest.raises(DomainError, match="not owed by this dealer"):
        ship(world.dealer_b, owed, other)  # dealer B shipping A's parts
    with pytest.raises(DomainError, match="not owed by this dealer"):
        create_shipment(world.dealer_a, [owed[0].id, 999_999], method="truck",
                        shipped_on=TODAY, actor=staff, today=TODAY)
    assert db.session.scalar(sa.select(sa.func.count(ReturnShipment.id))) == 0


def test_a_part_already_shipped_cannot_go_twice_but_a_missing_one_can(world, staff, owed):
    first = ship(world.dealer_a, owed[:2], staff)
    with pytest.raises(DomainError, match="not waiting to be shipped"):
        ship(world.dealer_a, owed[1:], staff)
    first.lines[0].receipt = Receipt.MISSING  # as the clerk's receiving records it
    owed[0].status = OwedStatus.MISSING
    again = ship(world.dealer_a, [owed[0], owed[2]], staff)
    assert {o.status for o in owed} == {OwedStatus.SHIPPED}
    assert again.number != first.number


def test_cancel_puts_parts_back_to_what_they_were(world, staff, owed):
    first = ship(world.dealer_a, owed[:1], staff)
    first.lines[0].receipt = Receipt.MISSING
    owed[0].status = OwedStatus.MISSING
    second = ship(world.dealer_a, owed, staff)
    with pytest.raises(DomainError, match="own staff"):
        cancel_shipment(second, actor=world.users[Role.CLERK])
    cancel_shipment(second, actor=staff, reason="车没走")
    db.session.expire_all()
    assert [o.status for o in owed] == [OwedStatus.MISSING, OwedStatus.OWED, OwedStatus.OWED]
    assert db.session.get(ReturnShipment, second.id) is None
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "cancel_shipment", AuditEntry.entity_type == "return_shipments"))
    assert (entry.from_state, entry.to_state, entry.reason) == ("shipped", "cancelled", "车没走")


def test_a_shipment_being_received_cannot_be_cancelled(world, staff, owed):
    shipment = ship(world.dealer_a, owed, staff)
    shipment.lines[1].receipt = Receipt.RECEIVED
    with pytest.raises(DomainError, match="no longer"):
        cancel_shipment(shipment, actor=staff)
    assert {o.status for o in owed} == {OwedStatus.SHIPPED}


# ---------------------------------------------------------------- pages and scope


def test_the_dealer_ships_from_its_to_do_list(client, login, world, staff, owed):
    owed[0].due_on = TODAY - timedelta(days=3)
    db.session.commit()
    login(staff)
    page = client.get("/returns/owed").get_data(as_text=True)
    assert 'class="overdue"' in page and "late by 3 days" in page
    for o in owed:
        assert o.claim.number in page and f'value="{o.id}"' in page
    refused = client.post("/returns/shipments/new", data={
        "owed_parts": [owed[0].id], "method": "courier", "waybill": "",
        "shipped_on": TODAY.isoformat()})
    assert refused.status_code == 422
    assert "waybill number" in refused.get_data(as_text=True)
    response = client.post("/returns/shipments/new", data={
        "owed_parts": [o.id for o in owed[:2]], "method": "courier", "waybill": "SF1",
        "shipped_on": TODAY.isoformat()})
    assert response.status_code == 303
    shipment = db.session.scalar(sa.select(ReturnShipment))
    assert response.headers["Location"].endswith(f"/returns/shipments/{shipment.id}")
    detail = client.get(f"/returns/shipments/{shipment.id}").get_data(as_text=True)
    assert shipment.number in detail and "Cancel the shipment" in detail
    home = client.get("/home/dealer").get_data(as_text=True)
    assert 'id="owed-parts"' in home
    listing = client.get("/returns/shipments").get_data(as_text=True)
    assert shipment.number in listing


def test_the_home_box_counts_owed_and_overdue(client, login, world, staff, owed):
    from portal.returns.scope import owed_summary

    owed[0].due_on = TODAY - timedelta(days=1)
    owed[1].status = OwedStatus.SHIPPED
    db.session.flush()
    summary = owed_summary(world.dealer_a.id, TODAY)
    assert summary == {"owed": 2, "owed_more": False, "overdue": 1, "overdue_more": False,
                       "next_due": owed[2].due_on}
    # Capped, a count stops one past the cap and says more wait; the next due date is exact.
    assert owed_summary(world.dealer_a.id, TODAY, cap=1) == {
        "owed": 1, "owed_more": True, "overdue": 1, "overdue_more": False,
        "next_due": owed[2].due_on}


def test_dealer_b_sees_and_ships_none_of_dealer_as_parts(client, login, world, staff, owed):
    shipment = ship(world.dealer_a, owed[:1], staff)
    db.session.commit()
    login(world.dealer_b_admin)
    assert owed[1].claim.number not in client.get("/returns/owed").get_data(as_text=True)
    assert shipment.number not in client.get("/returns/shipments").get_data(as_text=True)
    for url in (f"/returns/shipments/{shipment.id}",
                f"/returns/shipments/{shipment.id}/packing-list.pdf",
                f"/returns/shipments/{shipment.id}/labels.pdf?layout=thermal"):
        assert client.get(url).status_code == 404
    assert client.post(f"/returns/shipments/{shipment.id}/cancel").status_code == 404
    response = client.post("/returns/shipments/new", data={
        "owed_parts": [owed[1].id], "method": "truck", "shipped_on": TODAY.isoformat()})
    assert response.status_code == 422
    assert "not owed by this dealer" in response.get_data(as_text=True)
    assert owed[1].status == OwedStatus.OWED


def test_reps_see_their_dealers_and_head_office_filters(client, login, world, staff, owed):
    owed_b = owed_of(submitted_claim(world.dealer_b, world.dealer_b_admin, extra_parts=()))
    shipment_b = ship(world.dealer_b, owed_b, world.dealer_b_admin)
    db.session.commit()
    login(world.users[Role.SALES_REP])  # rep of dealer A only
    page = client.get("/returns/owed").get_data(as_text=True)
    assert owed[0].claim.number in page and owed_b[0].claim.number not in page
    assert 'name="owed_parts"' not in page  # reps see, they do not ship
    assert client.get(f"/returns/shipments/{shipment_b.id}").status_code == 404
    login(world.users[Role.CLERK])
    everything = client.get("/returns/owed?status=all").get_data(as_text=True)
    assert owed[0].claim.number in everything and owed_b[0].claim.number in everything
    only_b = client.get(f"/returns/owed?status=all&dealer={world.dealer_b.id}",
                        headers={"HX-Request": "true"}).get_data(as_text=True)
    assert owed_b[0].claim.number in only_b and owed[0].claim.number not in only_b
    assert "<html" not in only_b
    assert client.get(f"/returns/shipments/{shipment_b.id}").status_code == 200


def test_list_and_shipment_rows_show_each_parts_claim_line_part_and_unit(
        client, login, world, staff, owed):
    def shows(row, o, dealer=True):
        assert o.claim.number in row and f'<td class="num">{o.line.position}</td>' in row
        assert o.part.part_number in row and o.part.name in row and o.unit.serial in row
        assert (world.dealer_a.code in row) == dealer

    login(world.users[Role.CLERK])
    page = client.get("/returns/owed?status=all").get_data(as_text=True)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S)
    for o in owed:
        shows(next(r for r in rows if o.part.part_number in r), o)
    shipment = ship(world.dealer_a, owed, staff)
    db.session.commit()
    page = client.get(f"/returns/shipments/{shipment.id}").get_data(as_text=True)
    for line in shipment.lines:
        row = re.search(rf'<tr id="line-{line.id}">(.*?)</tr>', page, re.S)[1]
        shows(row, line.owed_part, dealer=False)
    assert f"Parts in this shipment ({len(owed)})" in page


def test_a_long_shipment_lists_its_first_parts_and_shows_more_to_the_last(
        app, client, login, world, staff, owed):
    """Past a page of parts the shipment page says it lists the first ones, and its "Show
    more" reaches every part once, in order; the count and the discrepancies cover them all."""
    shipment = ship(world.dealer_a, owed, staff)
    shipment.lines[2].receipt = Receipt.MISSING  # on the second page, still a discrepancy
    db.session.commit()
    login(staff)
    app.config["PAGE_SIZE"], size = 2, app.config["PAGE_SIZE"]
    try:
        page = client.get(f"/returns/shipments/{shipment.id}").get_data(as_text=True)
        assert "Parts in this shipment (3)" in page
        assert "the first 2 of the 3 parts" in page and "packing list (PDF) lists them all" in page
        assert "Discrepancies found on arrival (1)" in page
        assert "Cancel the shipment" not in page  # a part was checked, on a later page
        seen = re.findall(r'<tr id="line-(\d+)">', page)
        more = re.search(r'hx-get="([^"]+)"', page.split("Parts in this shipment")[1])
        rest = client.get(more.group(1).replace("&amp;", "&"),
                          headers={"HX-Request": "true"}).get_data(as_text=True)
        assert "<html" not in rest and 'hx-get="' not in rest
        seen += re.findall(r'<tr id="line-(\d+)">', rest)
        assert seen == [str(line.id) for line in shipment.lines]
    finally:
        app.config["PAGE_SIZE"] = size


def test_the_dealer_cancels_from_the_shipment_page(client, login, world, staff, owed):
    shipment = ship(world.dealer_a, owed, staff)
    db.session.commit()
    login(staff)
    response = client.post(f"/returns/shipments/{shipment.id}/cancel", data={"reason": ""})
    assert response.status_code == 303 and response.headers["Location"].endswith("/returns/owed")
    assert {o.status for o in owed} == {OwedStatus.OWED}


def test_the_dealer_sees_the_discrepancies(client, login, world, staff, owed):
    shipment = ship(world.dealer_a, owed, staff)
    shipment.lines[0].receipt, shipment.lines[0].note = Receipt.MISSING, ""
    shipment.lines[1].receipt, shipment.lines[1].note = Receipt.DAMAGED, "外壳破裂"
    shipment.lines[2].receipt = Receipt.RECEIVED
    db.session.commit()
    login(staff)
    page = client.get(f"/returns/shipments/{shipment.id}").get_data(as_text=True)
    assert "Discrepancies found on arrival (2)" in page and "外壳破裂" in page
    assert "Cancel the shipment" not in page


# ---------------------------------------------------------------- the printed papers


def decoded_pages(pdf: bytes):
    """Each page: its size in points, its text, and the QR codes read off a 4× rendering."""
    document = pypdfium2.PdfDocument(pdf)
    pages = []
    for page in document:
        image = page.render(scale=4).to_pil()
        text = page.get_textpage().get_text_range()
        pages.append((page.get_size(), text, [r.text for r in zxingcpp.read_barcodes(image)]))
    return pages


@pytest.fixture
def shipment(world, staff, owed):
    return ship(world.dealer_a, owed, staff, method=ShipMethod.COURIER, waybill="SF-88")


def test_an_a4_sheet_of_labels_reads_back(shipment, owed):
    pdf = documents.labels_pdf(shipment, "a4")
    assert len(pdf) < 300_000, len(pdf)  # one sheet stays far under 1 MB
    [(size, text, codes)] = decoded_pages(pdf)
    assert size == pytest.approx((595.3, 841.9), abs=1)
    assert sorted(codes) == sorted(o.qr_text for o in owed)
    for o in owed:
        assert o.claim.number in text and o.part.part_number in text and o.unit.serial in text
    for name in ("变速箱壳体", "液压泵", "滤清器", shipment.number, shipment.dealer.code):
        assert name in text


def test_thermal_labels_are_one_per_60_by_40_mm_page(shipment, owed):
    pages = decoded_pages(documents.labels_pdf(shipment, "thermal"))
    assert len(pages) == 3
    for (width, height), _text, codes in pages:
        assert width == pytest.approx(170.1, abs=0.5) and height == pytest.approx(113.4, abs=0.5)
        assert len(codes) == 1
    for o, (_size, text, codes) in zip(owed, pages, strict=True):
        assert codes == [o.qr_text]
        assert o.claim.number in text and f"#{o.line.position}" in text
        assert o.part.name in text and o.unit.serial in text


def test_the_packing_list_lists_every_part(shipment, owed):
    [(_size, text, _codes)] = decoded_pages(documents.packing_list_pdf(shipment))
    for o in owed:
        assert o.unit.serial in text and o.claim.number in text and o.part.name in text
    assert "SF-88" in text and shipment.number in text and "Received by" in text


def test_the_pdf_endpoints(client, login, world, staff, shipment):
    db.session.commit()
    login(world.users[Role.CLERK])
    base = f"/returns/shipments/{shipment.id}"
    for url in (f"{base}/packing-list.pdf", f"{base}/labels.pdf",
                f"{base}/labels.pdf?layout=thermal"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/pdf", url
        assert response.data.startswith(b"%PDF-")
    assert client.get(f"{base}/labels.pdf?layout=a5").status_code == 400
    assert len(pypdfium2.PdfDocument(io.BytesIO(client.get(
        f"{base}/labels.pdf?layout=thermal").data))) == 3


def test_return_pages_do_not_grow_with_rows(client, login, world, staff):
    """The owed list, the shipment list and a shipment's lines load in fixed queries."""

    shop = factories.workshop(world.dealer_a)
    shipment_ids = []

    def add(n):
        claim = factories.make_claim(shop.unit, status="submitted")
        parts = [factories.make_owed_part(claim, factories.make_part(models=[shop.model]))
                 for _ in range(2 * n)]
        for i in range(n):
            shipment_ids.append(factories.make_return_shipment(
                parts[i * 2:i * 2 + 1], created_by=staff).id)
        shipment_ids.append(factories.make_return_shipment(parts[1::2], created_by=staff).id)
        db.session.commit()

    add(2)
    login(staff)
    urls = ["/returns/owed?status=all", "/returns/shipments", "/home/dealer"]
    few = {url: count_queries(db, client, url) for url in urls}
    few["one"] = count_queries(db, client, f"/returns/shipments/{shipment_ids[-1]}")
    add(8)
    many = {url: count_queries(db, client, url) for url in urls}
    many["one"] = count_queries(db, client, f"/returns/shipments/{shipment_ids[-1]}")
    assert many == few
