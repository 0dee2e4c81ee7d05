"""Units: Excel import of shipped units, list and search, scoping, the unit page."""

import io
from datetime import date, timedelta

from openpyxl import Workbook

from portal.accounts.roles import Role
from portal.core.audit import AuditEntry
from portal.core.db import shanghai_today
from portal.units.models import Unit
from tests import factories
from tests.helpers import walk_pages

HEADER = ["出厂编号", "机型编码", "发动机号", "车架号", "生产日期", "生产批次", "经销商编码",
          "发运日期", "发货单号", "发货单已确认"]


def xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, data):
    return client.post("/units/import", data={"file": (io.BytesIO(data), "units.xlsx")},
                       content_type="multipart/form-data")


def test_import_thousands_then_reimport_updates(client, login, world, db):
    model = factories.make_model("U-504")
    login(world.users[Role.CLERK])
    rows = [HEADER] + [
        [f"sb25{n:05d}", "U-504", f"e{n:05d}", f"F{n}", date(2025, 3, 1), "B2503", "DA-01",
         date(2025, 4, 1), f"FH{n // 50:04d}", "是"] for n in range(2000)]
    response = upload(client, xlsx(rows))
    assert response.status_code == 303, response.get_data(as_text=True)[-2000:]
    assert db.session.query(Unit).filter_by(model_id=model.id).count() == 2000
    unit = db.session.query(Unit).filter_by(serial="SB2500007").one()
    assert unit.engine_no == "E00007" and unit.delivery_confirmed
    assert unit.dealer_id == world.dealer_a.id
    rows[8][6] = "DB-01"
    response = upload(client, xlsx(rows))
    assert response.status_code == 303
    assert db.session.query(Unit).filter_by(model_id=model.id).count() == 2000
    assert db.session.get(Unit, unit.id).dealer_id == world.dealer_b.id
    updates = db.session.query(AuditEntry).filter_by(entity_type="units", action="update").all()
    assert [(e.entity_label, e.changes) for e in updates] == [
        ("SB2500007", {"dealer_id": [world.dealer_a.id, world.dealer_b.id]})]


def test_import_errors_by_row_and_column_change_nothing(client, login, world, db):
    factories.make_model("U-904")
    login(world.users[Role.ADMIN])
    future = shanghai_today() + timedelta(days=3)
    rows = [HEADER,
            ["OK1", "U-904", "", "", date(2025, 3, 1), "B1", "DA-01", date(2025, 4, 1), "", ""],
            ["BAD1", "NOPE", "", "", "2025-13-01", "B1", "ZZ-99", future, "", ""],
            ["BAD2", "U-904", "", "", date(2025, 5, 1), "B1", "DA-01", date(2025, 4, 1), "", ""],
            ["OK1", "U-904", "", "", date(2025, 3, 1), "B1", "DA-01", date(2025, 4, 1), "", ""]]
    response = upload(client, xlsx(rows))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    for text in ["未知的机型编码", "未知的经销商编码", "2026-03-01", "发运日期不能晚于今天",
                 "不能早于生产日期"]:
        assert text in body, text
    assert db.session.query(Unit).count() == 0


def test_only_head_office_imports(client, login, world):
    login(world.users[Role.DEALER_ADMIN])
    assert client.get("/units/import").status_code == 403


def test_search_by_serial_or_engine_and_scope(client, login, world, db):
    model = factories.make_model()
    factories.make_unit("SB-A-001", model=model, dealer=world.dealer_a, engine_no="ENG-77")
    factories.make_unit("SB-B-001", model=model, dealer=world.dealer_b, engine_no="ENG-78")
    db.session.commit()
    login(world.users[Role.DEALER_STAFF])
    body = client.get("/units/?q=sb-", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "SB-A-001" in body and "SB-B-001" not in body and "<html" not in body
    login(world.users[Role.TECHNICAL])
    body = client.get("/units/?q=eng-78").get_data(as_text=True)
    assert "SB-B-001" in body and "SB-A-001" not in body and "<html" in body


def test_unit_list_pages_by_serial(client, login, world, db):
    model = factories.make_model()
    for n in range(40):
        factories.make_unit(f"PG{n:03d}", model=model, dealer=world.dealer_a)
    db.session.commit()
    login(world.users[Role.DEALER_ADMIN])
    seen = walk_pages(client, "/units/?q=PG", r"PG\d{3}")
    assert seen == [f"PG{n:03d}" for n in range(40)]


def test_unit_page_offers_the_parts_of_its_model_and_says_where_it_stands(client, login, world,
                                                                          db):
    """The coverage question's picker lists the parts of the unit's model only, by part
    number; the standing is the unit's (no card, with its dealer: in stock)."""
    unit = factories.make_unit("SB-PAGE-2", dealer=world.dealer_a)
    other = factories.make_model("OTHER-1")
    factories.make_part("ZZ-2", models=[unit.model]), factories.make_part("AA-1", models=[
        unit.model, other]), factories.make_part("MM-9", models=[other])
    db.session.commit()
    login(world.users[Role.DEALER_STAFF])
    body = client.get(f"/units/{unit.id}").get_data(as_text=True)
    picked = [n for n in ("AA-1", "MM-9", "ZZ-2") if f">{n} " in body]
    assert picked == ["AA-1", "ZZ-2"] and body.index(">AA-1 ") < body.index(">ZZ-2 ")
    assert "在库" in body  # In stock


def test_unit_page(client, login, world, db):
    unit = factories.make_unit("SB-PAGE-1", dealer=world.dealer_a, batch="B2409")
    db.session.commit()
    login(world.users[Role.DEALER_STAFF])
    body = client.get(f"/units/{unit.id}").get_data(as_text=True)
    assert "SB-PAGE-1" in body and "B2409" in body and "DA-01" in body
    login(world.dealer_b_admin)
    assert client.get(f"/units/{unit.id}").status_code == 404
