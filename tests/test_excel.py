"""Excel import and export of product models and parts."""

import io
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook

from portal.accounts.roles import Role
from portal.catalog.models import Part, ProductModel
from tests import factories

PART_HEADER = ["零件号", "名称", "类型", "价格（元）", "需返还旧件", "单独三包有效期（月）",
               "供应商", "适用机型"]


def consumption_header() -> str:
    """The optional last column, in the language the tests run in."""
    return _("Consumed per working unit and season")


def xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, what, data, name="sheet.xlsx"):
    return client.post(f"/catalog/{what}/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_export_then_reimport_updates_instead_of_duplicating(client, login, world, db):
    model = factories.make_model("EX-1")
    factories.make_part("EXP-1", models=[model], price=Decimal("12.30"))
    login(world.users[Role.ADMIN])
    exported = client.get("/catalog/parts/export.xlsx")
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == [*PART_HEADER, consumption_header()]
    row = next(r for r in rows if r[0] == "EXP-1")
    assert row[3] == 12.3 and row[7] == "EX-1" and row[8] == 0
    row[3] = "15.80"
    response = upload(client, "parts", xlsx(rows))
    assert response.status_code == 303, response.get_data(as_text=True)
    assert db.session.query(Part).filter_by(part_number="EXP-1").count() == 1
    assert db.session.query(Part).filter_by(part_number="EXP-1").one().price == Decimal("15.80")


def test_english_headers_and_new_rows(client, login, world, db):
    factories.make_model("EN-1")
    login(world.users[Role.ADMIN])
    data = xlsx([["Part number", "Name", "Kind", "Price (yuan)", "Old part must be returned",
                  "Own warranty (months)", "Supplier", "Fits models"],
                 ["EN-P1", "Fuel filter", "wear", 24.5, "no", 3, "Bengbu", "EN-1"],
                 ["EN-P2", "机油滤清器", "易损件", "26", "否", None, None, "EN-1"]])
    assert upload(client, "parts", data).status_code == 303
    parts = {p.part_number: p for p in db.session.query(Part).filter(
        Part.part_number.like("EN-P%"))}
    assert parts["EN-P1"].price == Decimal("24.50") and not parts["EN-P1"].return_required
    assert parts["EN-P2"].kind == "wear" and parts["EN-P2"].warranty_months is None


def test_season_consumption_column_is_optional(client, login, world, db):
    model = factories.make_model("SC-M")
    factories.make_part("SC-P1", models=[model], kind="wear",
                        season_consumption=Decimal("2.000"))
    login(world.users[Role.ADMIN])
    exported = load_workbook(io.BytesIO(client.get("/catalog/parts/export.xlsx").data)).active
    row = next(r for r in exported.iter_rows(min_row=2) if r[0].value == "SC-P1")
    assert row[8].value == 2 and row[8].number_format == "0.000"
    header = [*PART_HEADER, consumption_header()]
    data = xlsx([header, ["SC-P1", "皮带", "易损件", "12", "否", None, None, "SC-M", 0.75],
                 ["SC-P2", "刀片", "易损件", "8", "否", None, None, "SC-M", None]])
    assert upload(client, "parts", data).status_code == 303
    parts = {p.part_number: p for p in db.session.query(Part).filter(
        Part.part_number.like("SC-P%"))}
    assert parts["SC-P1"].season_consumption == Decimal("0.750")
    assert parts["SC-P2"].season_consumption == 0
    data = xlsx([PART_HEADER, ["SC-P3", "滤芯", "易损件", "9", "否", None, None, "SC-M"]])
    assert upload(client, "parts", data).status_code == 303  # a sheet without the column
    assert db.session.query(Part).filter_by(part_number="SC-P3").one().season_consumption == 0
    data = xlsx([header, ["SC-P1", "皮带", "易损件", "12", "否", None, None, "SC-M", -1],
                 ["SC-P4", "皮带", "易损件", "12", "否", None, None, "SC-M", "1.0005"],
                 ["SC-P5", "皮带", "易损件", "12", "否", None, None, "SC-M", "很多"]])
    response = upload(client, "parts", data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert body.count(consumption_header()) >= 3
    assert _("Enter a number like 0.5.") in body
    assert db.session.query(Part).filter_by(part_number="SC-P1").one().season_consumption == (
        Decimal("0.750"))
    assert db.session.query(Part).filter(Part.part_number.in_(["SC-P4", "SC-P5"])).count() == 0


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_imported(client, login, world,
                                                                           db):
    factories.make_model("BAD-M")
    login(world.users[Role.ADMIN])
    data = xlsx([PART_HEADER,
                 ["OK-1", "好零件", "主要部件", "10", "是", None, None, "BAD-M"],
                 ["BAD 2", "", "螺丝", "-3", "也许", "x", None, "NOPE"],
                 ["OK-1", "重复", "main", "1.234", "yes", None, None, "BAD-M"]])
    response = upload(client, "parts", data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    for expected in ["<td class=\"num\">3</td>", "零件号", "名称", "类型", "价格（元）",
                     "需返还旧件", "单独三包有效期（月）", "NOPE", "<td class=\"num\">4</td>"]:
        assert expected in body, expected
    assert db.session.query(Part).filter(Part.part_number.like("OK-%")).count() == 0


def test_missing_columns_and_not_a_workbook(client, login, world, db):
    login(world.users[Role.ADMIN])
    response = upload(client, "parts", xlsx([["零件号", "名称"], ["A-1", "x"]]))
    assert response.status_code == 422 and "表头缺少此列" in response.get_data(as_text=True)
    response = upload(client, "parts", b"%PDF-1.4 not a sheet", name="trick.xlsx")
    assert response.status_code == 422
    assert "这不是 Excel .xlsx 文件" in response.get_data(as_text=True)


def test_models_import_checks_the_legal_minimum(client, login, world, db):
    login(world.users[Role.ADMIN])
    header = ["机型编码", "名称", "类别", "整机（月）", "主要部件（月）", "易损件（月）",
              "磨合期（小时）", "主要部件名称"]
    data = xlsx([header, ["IM-1", "进口机型", "联合收割机", 12, 24, 6, 40, "机体"],
                 ["IM-2", "太短", "combine", 6, 24, 6, 40, None]])
    response = upload(client, "models", data)
    assert response.status_code == 422
    assert "法定最低期限为 12 个月" in response.get_data(as_text=True)
    assert db.session.query(ProductModel).filter(ProductModel.code.like("IM-%")).count() == 0
    data = xlsx([header, ["IM-1", "进口机型", "联合收割机", 12, 24, 6, 40, "机体"]])
    assert upload(client, "models", data).status_code == 303
    assert db.session.query(ProductModel).filter_by(code="IM-1").one().category == "combine"
