"""A model's dealer price (经销价), the basis of an exchange or refund's return credit: the model
form and pages, the Excel export and import (optional column), the API's model resource; bad
input refused next to its field, with nothing changed."""

import io
from decimal import Decimal

import pytest
from flask_babel import force_locale
from openpyxl import Workbook, load_workbook

from portal.accounts.roles import Role
from portal.catalog.models import ProductModel
from portal.core.audit import AuditEntry
from tests import factories


@pytest.fixture(autouse=True)
def english(app):
    with force_locale("en"):
        yield


def _form(**values):
    data = {"code": "DP-1", "name": "价格机型", "category": "tractor_large", "whole_months": "12",
            "main_parts_months": "24", "wear_parts_months": "6", "running_in_hours": "50",
            "main_parts_named": "机体", "is_active": "y", "version": "", "dealer_price": ""}
    return data | values


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(client, data):
    return client.post("/catalog/models/import", data={"file": (io.BytesIO(data), "m.xlsx")},
                       content_type="multipart/form-data")


HEADER = ["Model code", "Name", "Category", "Whole machine (months)", "Main parts (months)",
          "Wear parts (months)", "Running-in hours", "Main parts named"]


def _model(db, code):
    return db.session.query(ProductModel).filter_by(code=code).one()


def test_the_form_saves_the_price_shows_it_and_keeps_it_in_the_history(client, login, world,
                                                                        db):
    login(world.users[Role.ADMIN])
    response = client.post("/catalog/models/new", data=_form(dealer_price="80000.50"))
    assert response.status_code == 303, response.get_data(as_text=True)
    model = _model(db, "DP-1")
    assert model.dealer_price == Decimal("80000.50")
    assert "¥80,000.50" in client.get(f"/catalog/models/{model.id}").get_data(as_text=True)
    assert "¥80,000.50" in client.get("/catalog/models").get_data(as_text=True)
    client.post(f"/catalog/models/{model.id}/edit",
                data=_form(dealer_price="82000", version=str(model.version)))
    assert _model(db, "DP-1").dealer_price == Decimal("82000.00")
    entry = db.session.query(AuditEntry).filter_by(entity_type="product_models",
                                                   action="update").one()
    assert entry.changes["dealer_price"] == ["80000.50", "82000"]


# The pages answer in Chinese, the default language.
ABOVE_ZERO = "请输入大于 0 元"


@pytest.mark.parametrize(("typed", "message"), [
    ("-5", ABOVE_ZERO), ("0", ABOVE_ZERO), ("abc", "不是有效的小数"),
    ("12.345", "最多保留两位小数")])
def test_a_bad_price_is_refused_next_to_the_field(client, login, world, db, typed, message):
    login(world.users[Role.ADMIN])
    response = client.post("/catalog/models/new", data=_form(dealer_price=typed))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    error = body[body.index('id="dealer_price"'):]
    assert message in error[:error.index("</div>")]
    assert db.session.query(ProductModel).filter_by(code="DP-1").count() == 0


def test_no_price_is_allowed_and_shown_as_not_set(client, login, world, db):
    login(world.users[Role.ADMIN])
    assert client.post("/catalog/models/new", data=_form()).status_code == 303
    model = _model(db, "DP-1")
    assert model.dealer_price is None
    assert "未设置" in client.get(f"/catalog/models/{model.id}").get_data(as_text=True)


def test_export_carries_the_price_and_reimport_changes_it(client, login, world, db):
    factories.make_model("DPX-1", dealer_price=Decimal("76000.00"))
    login(world.users[Role.ADMIN])
    sheet = load_workbook(io.BytesIO(client.get("/catalog/models/export.xlsx").data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][-1] == "经销价（元）"
    row = next(r for r in rows if r[0] == "DPX-1")
    assert row[-1] == 76000
    row[-1] = "78500.5"
    assert _upload(client, _xlsx(rows)).status_code == 303
    assert _model(db, "DPX-1").dealer_price == Decimal("78500.50")


def test_a_sheet_without_the_column_or_with_a_blank_keeps_the_price(client, login, world, db):
    factories.make_model("DPX-2", dealer_price=Decimal("50000.00"))
    login(world.users[Role.ADMIN])
    old = [HEADER, ["DPX-2", "旧表", "tractor_large", 12, 24, 6, 50, "机体"]]
    assert _upload(client, _xlsx(old)).status_code == 303
    blank = [[*HEADER, "Dealer price (经销价, yuan)"],
             ["DPX-2", "空价", "tractor_large", 12, 24, 6, 50, "机体", None]]
    assert _upload(client, _xlsx(blank)).status_code == 303
    model = _model(db, "DPX-2")
    assert (model.name, model.dealer_price) == ("空价", Decimal("50000.00"))


@pytest.mark.parametrize(("cell", "message"), [
    ("-100", "请输入以元为单位的金额，最多保留两位小数"),
    ("lots", "请输入以元为单位的金额，如 125.50"), (0, ABOVE_ZERO)])
def test_a_bad_price_in_a_sheet_is_a_row_error_and_nothing_is_imported(client, login, world,
                                                                       db, cell, message):
    login(world.users[Role.ADMIN])
    rows = [[*HEADER, "Dealer price (经销价, yuan)"],
            ["DPI-1", "好", "tractor_large", 12, 24, 6, 50, None, "90000"],
            ["DPI-2", "坏", "tractor_large", 12, 24, 6, 50, None, cell]]
    response = _upload(client, _xlsx(rows))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.query(ProductModel).filter(ProductModel.code.like("DPI-%")).count() == 0


BODY = {"name": "接口机型", "category": "combine", "whole_months": 12, "main_months": 24,
        "wear_months": 6}


def test_the_api_sets_keeps_and_clears_the_price(api, db):
    answer = api("PUT", "/models/DPA-1", json=BODY | {"dealer_price": "150000.00"})
    assert answer.status_code == 200 and answer.json["dealer_price"] == "150000.00"
    kept = api("PUT", "/models/DPA-1", json=BODY | {"name": "改名"})
    assert kept.json["dealer_price"] == "150000.00"
    cleared = api("PUT", "/models/DPA-1", json=BODY | {"dealer_price": None})
    assert cleared.json["dealer_price"] is None


@pytest.mark.parametrize(("sent", "status"), [("-1", 400), ("12.345", 400), (12, 400),
                                              ("0", 422)])
def test_the_api_refuses_a_bad_price_naming_the_field(api, db, sent, status):
    answer = api("PUT", "/models/DPA-2", json=BODY | {"dealer_price": sent})
    assert answer.status_code == status and answer.json["field"] == "dealer_price"
    assert db.session.query(ProductModel).filter_by(code="DPA-2").count() == 0
