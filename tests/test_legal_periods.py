"""The legal minimum periods (2010 regulation, 第二十四条 and 附件1) in the catalogue: the table
covers every category the regulation lists, a part's own period keeps to it on every model it
fits, and a wear period of 0 is refused, in the forms, the Excel import and the API."""

import io

import pytest
from openpyxl import Workbook

from portal.accounts.roles import Role
from portal.catalog.models import LegalMinimum, ModelCategory, Part, PartKind, ProductModel
from tests import factories

C = ModelCategory
# category: (whole machine, main parts) in months
REGULATION = {C.TRACTOR_LARGE: (12, 24), C.TRACTOR_SMALL: (9, 18), C.COMBINE: (12, 24),
              C.DIESEL_ENGINE: (12, 24), C.DIESEL_SINGLE: (9, 18),
              C.PETROL_TWO_STROKE: (3, 6), C.PETROL_FOUR_STROKE: (6, 12),
              C.RICE_TRANSPLANTER: (12, 12), C.OTHER: (12, 12)}


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _part_form(**values):
    data = {"part_number": "LP-1", "name": "变速箱体", "kind": "main", "price": "880.00",
            "return_required": "y", "warranty_months": "", "supplier": "", "model_ids": [],
            "is_active": "y", "version": ""}
    return data | values


@pytest.fixture
def models(world):
    """A large tractor (main parts at least 24 months) and a single-cylinder engine (18)."""
    return (factories.make_model("LT-1", category=C.TRACTOR_LARGE),
            factories.make_model("DS-1", category=C.DIESEL_SINGLE, whole_months=9,
                                 main_parts_months=18))


def test_the_table_covers_every_category_of_the_regulation(db):
    rows = {r.category: r for r in db.session.query(LegalMinimum)}
    assert {c: (r.whole_months, r.main_parts_months) for c, r in rows.items()} == REGULATION
    assert all(rows[c].main_parts_named for c in REGULATION)


def test_a_main_part_may_not_fall_below_the_law_of_any_model_it_fits(client, login, world,
                                                                      models, db):
    tractor, engine = models
    login(world.users[Role.ADMIN])
    fits_both = [str(tractor.id), str(engine.id)]
    response = client.post("/catalog/parts/new",
                           data=_part_form(warranty_months="18", model_ids=fits_both))
    assert response.status_code == 422
    assert "法定最低期限为 24 个月" in response.get_data(as_text=True)  # the tractor's, not 18
    assert db.session.query(Part).count() == 0
    response = client.post("/catalog/parts/new",
                           data=_part_form(warranty_months="18", model_ids=[str(engine.id)]))
    assert response.status_code == 303
    part = db.session.query(Part).one()
    response = client.post(f"/catalog/parts/{part.id}/edit", data=_part_form(
        warranty_months="18", model_ids=fits_both, version=str(part.version)))
    assert response.status_code == 422
    db.session.expire_all()
    assert [m.code for m in db.session.get(Part, part.id).models] == ["DS-1"]


def test_a_period_of_0_months_is_refused_for_parts_and_models(client, login, world, models, db):
    login(world.users[Role.ADMIN])
    response = client.post("/catalog/parts/new", data=_part_form(
        kind="wear", warranty_months="0", model_ids=[str(models[0].id)]))
    assert response.status_code == 422
    assert "请至少填写一个月" in response.get_data(as_text=True)
    response = client.post("/catalog/models/new", data={
        "code": "W0-1", "name": "零易损件期", "category": "combine", "whole_months": "12",
        "main_parts_months": "24", "wear_parts_months": "0", "running_in_hours": "40",
        "main_parts_named": "机体", "is_active": "y", "version": ""})
    assert response.status_code == 422
    assert "请至少填写一个月" in response.get_data(as_text=True)
    assert db.session.query(ProductModel).filter_by(code="W0-1").count() == 0
    assert db.session.query(Part).count() == 0


def test_a_model_may_not_move_to_a_category_whose_law_its_main_parts_break(world, models, db):
    from portal.catalog import services
    from portal.core.errors import DomainError

    _tractor, engine = models
    factories.make_part("DS-MAIN", models=[engine], kind=PartKind.MAIN, warranty_months=18)
    values = {k: getattr(engine, k) for k in services.MODEL_FIELDS} | {
        "category": C.TRACTOR_LARGE, "whole_months": 12, "main_parts_months": 24}
    with pytest.raises(DomainError) as refused:
        services.save_model(engine, values, actor=world.users[Role.ADMIN])
    assert refused.value.field == "category" and "DS-MAIN" in str(refused.value.message)


def test_the_excel_import_refuses_the_same(client, login, world, models, db):
    login(world.users[Role.ADMIN])
    header = ["零件号", "名称", "类型", "价格（元）", "需返还旧件", "单独三包有效期（月）",
              "供应商", "适用机型"]
    data = _xlsx([header, ["XL-1", "机体", "主要部件", "100", "是", 12, None, "LT-1"],
                  ["XL-2", "滤芯", "易损件", "20", "否", 0, None, "DS-1"],
                  ["XL-3", "缸盖", "主要部件", "90", "是", 18, None, "DS-1"]])
    response = client.post("/catalog/parts/import", data={"file": (io.BytesIO(data), "p.xlsx")},
                           content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "法定最低期限为 24 个月" in body and "请至少填写一个月" in body
    assert '<td class="num">4</td>' not in body  # XL-3 keeps the engine's 18-month law
    assert db.session.query(Part).count() == 0


def test_the_api_answers_422_with_its_own_field(api, models, db):
    response = api("PUT", "/parts/AP-1", json={"name": "机架", "kind": "main", "price": "10.00",
                                               "models": ["LT-1"], "months": 12,
                                               "return_required": True})
    assert response.status_code == 422 and response.json["field"] == "months"
    response = api("PUT", "/parts/AP-2", json={"name": "滤芯", "kind": "wear", "price": "10.00",
                                               "models": ["DS-1"], "months": 0,
                                               "return_required": False})
    assert response.status_code == 422 and response.json["field"] == "months"
    response = api("PUT", "/models/AP-M", json={"name": "x", "category": "combine",
                                                "whole_months": 12, "main_months": 24,
                                                "wear_months": 0})
    assert response.status_code == 422 and response.json["field"] == "wear_months"
    response = api("PUT", "/parts/AP-3", json={"name": "机架", "kind": "main", "price": "10.00",
                                               "models": ["LT-1"], "months": 24,
                                               "return_required": True})
    assert response.status_code == 200 and response.json["months"] == 24
