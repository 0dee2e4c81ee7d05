"""Delivery-note pages: the list and its filters, the new-note form, the dealer's confirmation,
the PDF and the home boxes, with scoping (another dealer's note is a 404)."""

from datetime import timedelta
from decimal import Decimal

import pypdfium2
import zxingcpp

from portal.accounts.roles import Role
from portal.core.db import shanghai_today
from portal.deliveries import services
from portal.deliveries.models import DeliveryNote, DeliveryStatus
from portal.extensions import db
from portal.planning.models import PlanStatus
from portal.units.search import Code, read_code
from tests import factories
from tests.builders import spring_plan


def _stock_unit(**values):
    return factories.make_unit(dealer=None, shipped_on=None, **values)


def _ship(world, dealer, *, days_ago=1, units=1, parts=()):
    note = services.create_note(
        dealer, shanghai_today() - timedelta(days=days_ago),
        units=[_stock_unit() for _ in range(units)], parts=list(parts),
        actor=world.users[Role.CLERK], carrier="鲁A12345")
    db.session.commit()
    return note


def _pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def test_lists_are_scoped_and_filtered(client, login, world):
    mine = _ship(world, world.dealer_a, days_ago=10)
    recent = _ship(world, world.dealer_a, days_ago=2)
    theirs = _ship(world, world.dealer_b, days_ago=10)
    login(world.users[Role.DEALER_STAFF])
    body = client.get("/deliveries/").get_data(as_text=True)
    assert mine.number in body and recent.number in body and theirs.number not in body
    login(world.users[Role.SALES_REP])
    body = client.get("/deliveries/?overdue=1").get_data(as_text=True)
    assert mine.number in body and recent.number not in body and theirs.number not in body
    login(world.users[Role.CLERK])
    body = client.get(f"/deliveries/?dealer={world.dealer_b.id}",
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert theirs.number in body and mine.number not in body and "<html" not in body
    body = client.get("/deliveries/?status=confirmed").get_data(as_text=True)
    assert mine.number not in body


def test_list_queries_do_not_grow_with_rows(client, login, world, db):
    from tests.helpers import count_queries

    part = factories.make_part()
    _ship(world, world.dealer_a, parts=[(part, 2, None)])
    login(world.users[Role.CLERK])
    few = count_queries(db, client, "/deliveries/")
    for _ in range(8):
        _ship(world, world.dealer_b, units=2, parts=[(part, 2, None)])
    assert count_queries(db, client, "/deliveries/") == few


def test_another_dealers_note_is_404_on_page_pdf_and_confirm(client, login, world):
    theirs = _ship(world, world.dealer_b)
    for user in (world.users[Role.DEALER_ADMIN], world.users[Role.SALES_REP]):
        login(user)
        assert client.get(f"/deliveries/{theirs.id}").status_code == 404
        assert client.get(f"/deliveries/{theirs.id}/note.pdf").status_code == 404
    login(world.users[Role.DEALER_ADMIN])
    assert client.post(f"/deliveries/{theirs.id}/confirm",
                       data={"version": "1"}).status_code == 404
    assert db.session.get(DeliveryNote, theirs.id).status == DeliveryStatus.SHIPPED


def test_dealer_confirms_with_a_difference(client, login, world):
    part = factories.make_part("JX-LQ-01", name="机油滤芯", price=Decimal("35.00"))
    note = _ship(world, world.dealer_a, parts=[(part, 10, None)])
    unit_line, part_line = note.lines
    login(world.users[Role.DEALER_STAFF])
    page = client.get(f"/deliveries/{note.id}").get_data(as_text=True)
    assert f'name="received_{part_line.id}"' in page and 'value="10"' in page
    form = {"version": str(note.version), f"received_{unit_line.id}": "1",
            f"received_{part_line.id}": "8", "remark": ""}
    response = client.post(f"/deliveries/{note.id}/confirm", data=form)
    assert response.status_code == 422
    assert db.session.get(DeliveryNote, note.id).status == DeliveryStatus.SHIPPED
    form[f"received_{part_line.id}"] = "11"
    assert client.post(f"/deliveries/{note.id}/confirm", data=form).status_code == 422
    form.update({f"received_{part_line.id}": "8", "remark": "纸箱破损，少两件"})
    response = client.post(f"/deliveries/{note.id}/confirm", data=form)
    assert response.status_code == 303
    db.session.expire_all()
    note = db.session.get(DeliveryNote, note.id)
    assert note.discrepancy and note.lines[1].received_qty == 8
    assert note.lines[0].unit.delivery_confirmed
    page = client.get(f"/deliveries/{note.id}").get_data(as_text=True)
    assert "纸箱破损，少两件" in page and 'name="remark"' not in page
    assert client.post(f"/deliveries/{note.id}/confirm", data=form).status_code == 422


def test_the_unit_page_links_its_note(client, login, world):
    note = _ship(world, world.dealer_a)
    login(world.users[Role.DEALER_STAFF])
    page = client.get(f"/units/{note.lines[0].unit_id}").get_data(as_text=True)
    assert f'href="/deliveries/{note.id}"' in page


def test_pdf_shows_the_note(client, login, world):
    part = factories.make_part("JX-LQ-02", name="空气滤芯", price=Decimal("12.50"))
    note = _ship(world, world.dealer_a, parts=[(part, 4, None)])
    login(world.users[Role.DEALER_ADMIN])
    response = client.get(f"/deliveries/{note.id}/note.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _pdf_text(response.data)
    assert "销售发货清单" in text or "Sales delivery note" in text  # until it is translated
    for expected in (note.number, world.dealer_a.name, "鲁A12345",
                     note.lines[0].unit.serial, "JX-LQ-02", "空气滤芯", "50.00"):
        assert expected in text, expected
    assert _qr_codes(response.data) == [note.number]  # what the units list's scan reads
    assert read_code(note.number) == Code("note", note.number)


def _qr_codes(data: bytes) -> list[str]:
    page = pypdfium2.PdfDocument(data)[0]
    return [r.text for r in zxingcpp.read_barcodes(page.render(scale=4).to_pil())]


def test_clerk_records_a_note_with_a_message_per_bad_serial(client, login, world):
    part = factories.make_part("JX-PD-01", price=Decimal("8.00"))
    good = _stock_unit(serial="GOOD-0001")
    factories.make_unit(serial="SOLD-0001", dealer=world.dealer_b)
    db.session.commit()
    login(world.users[Role.CLERK])
    assert 'name="serials"' in client.get("/deliveries/new").get_data(as_text=True)
    form = {"dealer": str(world.dealer_a.id), "shipped_on": shanghai_today().isoformat(),
            "carrier": "顺丰", "serials": "GOOD-0001\nNOPE-0001\nSOLD-0001",
            "parts-0-part_number": "JX-PD-01", "parts-0-quantity": "6",
            "parts-1-part_number": "XX-UNKNOWN", "parts-1-quantity": "1"}
    response = client.post("/deliveries/new", data=form)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "NOPE-0001" in body and "SOLD-0001" in body and world.dealer_b.code in body
    assert db.session.query(DeliveryNote).count() == 0
    form.update({"serials": "good-0001", "parts-1-part_number": ""})
    response = client.post("/deliveries/new", data=form)
    assert response.status_code == 303
    note = db.session.query(DeliveryNote).one()
    assert response.headers["Location"] == f"/deliveries/{note.id}"
    assert [(line.unit_id, line.part_id, line.quantity) for line in note.lines] == [
        (good.id, None, 1), (None, part.id, 6)]
    assert services.total(note) == Decimal("48.00")


def test_new_note_from_an_approved_plan(client, login, world):
    part = factories.make_part("JX-PLAN-1")
    plan = spring_plan(world.dealer_a, PlanStatus.APPROVED, part, world.users[Role.CLERK])
    draft = spring_plan(world.dealer_b, PlanStatus.DRAFT, part, world.users[Role.CLERK])
    db.session.commit()
    login(world.users[Role.ADMIN])
    client.post("/language", data={"lang": "en"})
    link = f"/deliveries/new?plan={plan.id}"
    assert link in client.get(f"/plans/{plan.id}").get_data(as_text=True)
    page = client.get(link).get_data(as_text=True)
    assert 'value="JX-PLAN-1"' in page and 'name="parts-0-quantity" type="number" value="5"' in page
    assert client.get("/deliveries/new?plan=999999").status_code == 404
    assert "not approved" in client.get(f"/deliveries/new?plan={draft.id}").get_data(as_text=True)
    form = {"dealer": str(world.dealer_a.id), "shipped_on": shanghai_today().isoformat(),
            "plan_id": str(plan.id), "parts-0-part_number": "JX-PLAN-1",
            "parts-0-quantity": "5"}
    assert client.post("/deliveries/new", data=form).status_code == 303
    assert db.session.query(DeliveryNote).one().plan_id == plan.id


def test_home_boxes(client, login, world):
    late = _ship(world, world.dealer_a, days_ago=9)
    login(world.users[Role.SALES_REP])
    page = client.get("/home/rep").get_data(as_text=True)
    assert 'id="deliveries-box"' in page and late.number in page
    assert "/deliveries/?queue=notes_overdue&amp;overdue=1" in page
    login(world.users[Role.DEALER_STAFF])
    assert late.number in client.get("/home/dealer").get_data(as_text=True)
    for role, url in ((Role.CLERK, "/home/clerk"), (Role.ADMIN, "/home/admin")):
        login(world.users[role])
        assert 'id="deliveries-box"' in client.get(url).get_data(as_text=True)


def test_more_part_rows_keep_what_was_typed(client, login, world):
    login(world.users[Role.CLERK])
    form = {"dealer": str(world.dealer_a.id), "shipped_on": shanghai_today().isoformat(),
            "carrier": "顺丰", "serials": "",
            **{f"parts-{n}-part_number": f"TYPED-{n}" for n in range(5)},
            **{f"parts-{n}-quantity": str(n + 1) for n in range(5)}, "more_rows": "1"}
    response = client.post("/deliveries/new", data=form)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="parts-9-part_number"' in body and 'name="parts-10-part_number"' not in body
    assert 'value="TYPED-4"' in body and 'value="顺丰"' in body
    assert db.session.query(DeliveryNote).count() == 0
