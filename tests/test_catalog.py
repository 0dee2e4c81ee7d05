"""Product models, parts, fault codes, rates, bands, policy and seasons."""

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _

from portal.accounts.roles import Role
from portal.catalog.models import (
    FaultCode,
    FaultSeverity,
    LabourRate,
    LegalMinimum,
    ModelCategory,
    Part,
    PolicySettings,
    ProductModel,
    Season,
    TravelBand,
)
from portal.core.audit import AuditEntry
from tests import factories


def _model(**values):
    data = {"code": "NEW-1", "name": "新机型", "category": "tractor_large", "whole_months": "12",
            "main_parts_months": "24", "wear_parts_months": "6", "running_in_hours": "50",
            "main_parts_named": "机体", "is_active": "y", "version": ""}
    data.update(values)
    return data


def test_legal_minimum_table_is_seeded_by_the_migration(db):
    rows = {r.category: r for r in db.session.query(LegalMinimum)}
    assert set(rows) == set(ModelCategory)
    assert (rows[ModelCategory.TRACTOR_SMALL].whole_months,
            rows[ModelCategory.TRACTOR_SMALL].main_parts_months) == (9, 18)
    assert "离合器壳体" in rows[ModelCategory.COMBINE].main_parts_named
    assert rows[ModelCategory.OTHER].main_parts_months == 12  # 2010 第二十四条: one year at least
    policy = PolicySettings.current()
    assert (policy.card_deadline_days, policy.arrange_deadline_hours,
            policy.check_deadline_hours, policy.plan_lead_days) == (20, 2, 4, 30)


def test_model_periods_may_not_go_below_the_law(client, login, world, db):
    login(world.users[Role.ADMIN])
    response = client.post("/catalog/models/new", data=_model(whole_months="6"))
    assert response.status_code == 422
    assert "法定最低期限为 12 个月" in response.get_data(as_text=True)
    response = client.post("/catalog/models/new", data=_model(category="tractor_small",
                                                              whole_months="9",
                                                              main_parts_months="18"))
    assert response.status_code == 303
    assert db.session.query(ProductModel).filter_by(code="NEW-1").one().whole_months == 9


def test_duplicate_model_code_is_refused(client, login, world, db):
    factories.make_model("DUP-1")
    login(world.users[Role.ADMIN])
    response = client.post("/catalog/models/new", data=_model(code="DUP-1"))
    assert "该编码已被使用" in response.get_data(as_text=True)
    assert db.session.query(ProductModel).filter_by(code="DUP-1").count() == 1


def test_part_with_models_and_exact_price(client, login, world, db):
    m1, m2 = factories.make_model("FM-1"), factories.make_model("FM-2")
    login(world.users[Role.ADMIN])
    response = client.post("/catalog/parts/new", data={
        "part_number": "PX-100", "name": "水泵总成", "kind": "other", "price": "235.10",
        "return_required": "y", "warranty_months": "", "supplier": "河北水泵厂",
        "model_ids": [str(m1.id), str(m2.id)], "is_active": "y", "version": ""})
    assert response.status_code == 303
    part = db.session.query(Part).filter_by(part_number="PX-100").one()
    assert part.price == Decimal("235.10") and isinstance(part.price, Decimal)
    assert sorted(m.code for m in part.models) == ["FM-1", "FM-2"]
    response = client.post(f"/catalog/parts/{part.id}/edit", data={
        "part_number": "PX-100", "name": "水泵总成", "kind": "other", "price": "1.005",
        "supplier": "", "model_ids": [str(m1.id)], "version": str(part.version)})
    assert response.status_code == 422
    assert db.session.get(Part, part.id).price == Decimal("235.10")


def test_part_edit_saves_every_field_and_the_models_it_fits(client, login, world, db):
    m1, m2 = factories.make_model("FM-3"), factories.make_model("FM-4")
    part = factories.make_part("PX-200", models=[m1], kind="wear", return_required=False,
                               watched=True)
    part_id, seen = part.id, part.version
    login(world.users[Role.ADMIN])
    response = client.post(f"/catalog/parts/{part_id}/edit", data={
        "part_number": "PX-200", "name": "  机油泵  ", "kind": "main", "price": "99.50",
        "return_required": "y", "warranty_months": "30", "supplier": " 潍坊油泵厂 ",
        "model_ids": [str(m2.id)], "key_part": "y", "is_active": "y",
        "season_consumption": "0.5", "version": str(seen)})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/catalog/parts/{part_id}")
    db.session.expire_all()
    saved = db.session.get(Part, part_id)
    assert (saved.name, saved.kind.value, saved.price, saved.warranty_months, saved.supplier) == (
        "机油泵", "main", Decimal("99.50"), 30, "潍坊油泵厂")
    assert (saved.return_required, saved.watched, saved.key_part, saved.is_active) == (
        True, False, True, True)
    assert saved.season_consumption == Decimal("0.500")
    assert [m.code for m in saved.models] == ["FM-4"]
    assert saved.version == seen + 1
    entry = db.session.query(AuditEntry).filter_by(entity_type="parts", action="update").one()
    assert entry.changes["models"] == [["FM-3"], ["FM-4"]]


def test_model_saved_as_entered_and_changed_on_edit(client, login, world, db):
    login(world.users[Role.ADMIN])
    assert client.post("/catalog/models/new", data=_model()).status_code == 303
    model = db.session.query(ProductModel).filter_by(code="NEW-1").one()
    assert (model.name, model.category, model.whole_months, model.main_parts_months,
            model.wear_parts_months, model.running_in_hours, model.main_parts_named,
            model.is_active) == ("新机型", ModelCategory.TRACTOR_LARGE, 12, 24, 6, 50, "机体", True)
    response = client.post(f"/catalog/models/{model.id}/edit", data=_model(
        name=" 新机型二代 ", whole_months="18", wear_parts_months="3", running_in_hours="80",
        main_parts_named="机体、机架", is_active="", version=str(model.version)))
    assert response.status_code == 303
    db.session.expire_all()
    model = db.session.get(ProductModel, model.id)
    assert (model.name, model.whole_months, model.main_parts_months, model.wear_parts_months,
            model.running_in_hours, model.main_parts_named, model.is_active) == (
        "新机型二代", 18, 24, 3, 80, "机体、机架", False)


def test_parts_search_filters_by_model_and_kind(client, login, world, db):
    m1, m2 = factories.make_model("SM-1"), factories.make_model("SM-2")
    factories.make_part("FIND-1", models=[m1], name="飞轮")
    factories.make_part("FIND-2", models=[m2], name="飞轮")
    login(world.users[Role.DEALER_STAFF])
    body = client.get(f"/catalog/parts?q=FIND&model={m1.id}",
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "FIND-1" in body and "FIND-2" not in body
    body = client.get("/catalog/parts?q=飞轮&kind=wear").get_data(as_text=True)
    assert "FIND-1" not in body


def test_fault_code_hours_per_category(client, login, world, db):
    login(world.users[Role.ADMIN])
    response = client.post("/catalog/fault-codes/new", data={
        "code": "E99", "description": "测试故障", "is_active": "y", "severity": "serious",
        "hours_tractor_large": "3.5", "hours_combine": "4"})
    assert response.status_code == 303
    fault = db.session.query(FaultCode).filter_by(code="E99").one()
    assert fault.severity == FaultSeverity.SERIOUS
    assert "严重质量问题" in client.get("/catalog/fault-codes").get_data(True)
    bad = client.post(f"/catalog/fault-codes/{fault.id}/edit", data={
        "code": "E99", "description": "测试故障", "severity": "grave"})
    assert bad.status_code == 422
    assert fault.hours_for(ModelCategory.TRACTOR_LARGE) == Decimal("3.50")
    assert fault.hours_for(ModelCategory.TRACTOR_SMALL) is None
    response = client.post(f"/catalog/fault-codes/{fault.id}/edit", data={
        "code": "E99", "description": "测试故障", "is_active": "y", "hours_combine": "5"})
    assert response.status_code == 303
    db.session.expire_all()
    fault = db.session.get(FaultCode, fault.id)
    assert fault.severity == FaultSeverity.SERIOUS  # kept when the form leaves it out
    assert fault.hours_for(ModelCategory.TRACTOR_LARGE) is None
    assert fault.hours_for(ModelCategory.COMBINE) == Decimal("5.00")


def test_labour_rates_per_grade(client, login, world, db):
    login(world.users[Role.ADMIN])
    response = client.post("/catalog/labour-rates/edit", data={
        "rate_a": "60", "rate_b": "55.5", "rate_c": "50", "rate_d": "45"})
    assert response.status_code == 303
    assert db.session.get(LabourRate, "b").hourly_rate == Decimal("55.50")
    response = client.post("/catalog/labour-rates/edit", data={
        "rate_a": "-1", "rate_b": "x", "rate_c": "50", "rate_d": "45"})
    assert response.status_code == 422
    assert db.session.get(LabourRate, "a").hourly_rate == Decimal("60.00")


def test_travel_bands_may_not_overlap(client, login, world, db):
    login(world.users[Role.ADMIN])
    assert client.post("/catalog/travel-bands/new",
                       data={"min_km": "0", "max_km": "30", "fee": "50"}).status_code == 303
    response = client.post("/catalog/travel-bands/new",
                           data={"min_km": "20", "max_km": "60", "fee": "100"})
    assert response.status_code == 422
    assert "重叠" in response.get_data(as_text=True)
    assert client.post("/catalog/travel-bands/new",
                       data={"min_km": "30", "max_km": "", "fee": "120"}).status_code == 303
    assert db.session.query(TravelBand).count() == 2


def test_delete_travel_band_in_place(client, login, world, db):
    band = TravelBand(min_km=900, max_km=None, fee=Decimal("1"))
    db.session.add(band)
    db.session.commit()
    band_id = band.id
    login(world.users[Role.ADMIN])
    response = client.post(f"/catalog/travel-bands/{band_id}/delete",
                           headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.data == b""
    assert db.session.get(TravelBand, band_id) is None
    assert db.session.query(AuditEntry).filter_by(entity_type="travel_bands",
                                                  action="delete").count() == 1


def test_policy_settings_validation(client, login, world, db):
    login(world.users[Role.ADMIN])
    data = {"card_deadline_days": "20", "arrange_deadline_hours": "2",
            "check_deadline_hours": "4", "return_date_1_month": "2", "return_date_1_day": "30",
            "return_date_2_month": "12", "return_date_2_day": "31", "plan_lead_days": "30",
            "parts_markup_percent": "5", "duplicate_window_days": "30",
            "late_claim_days": "30", "auto_approve": "y", "auto_max_total": "800.00",
            "auto_sample_percent": "15", "good_standing_days": "90",
            "hold_overdue_days": "45", "delivery_confirm_days": "10",
            "alert_false_rate": "0.05", "alert_min_failures": "3"}
    response = client.post("/catalog/policy/edit", data=data)
    assert response.status_code == 422
    assert db.session.get(PolicySettings, 1).return_date_1_month == 6
    data["return_date_1_day"] = "28"
    assert client.post("/catalog/policy/edit", data=data).status_code == 303
    policy = db.session.get(PolicySettings, 1)
    assert (policy.return_date_1_month, policy.return_date_1_day) == (2, 28)
    assert policy.parts_markup_percent == Decimal("5.00")
    assert (policy.auto_approve, policy.auto_max_total, policy.auto_sample_percent,
            policy.hold_overdue_days) == (True, Decimal("800.00"), 15, 45)
    assert policy.delivery_confirm_days == 10


def test_seasons(client, login, world, db):
    login(world.users[Role.ADMIN])
    data = {"name": "2027 春耕", "kind": "operating", "start_on": "2027-03-10",
            "end_on": "2027-03-01", "categories": ["tractor_large"], "provinces": ["山东省"]}
    assert client.post("/catalog/seasons/new", data=data).status_code == 422
    data["end_on"] = "2027-06-15"
    assert client.post("/catalog/seasons/new", data=data).status_code == 303
    season = db.session.query(Season).filter_by(name="2027 春耕").one()
    assert season.categories == ["tractor_large"] and season.provinces == ["山东省"]


def test_season_requiring_a_plan_shows_its_due_date(client, login, world, db):
    login(world.users[Role.ADMIN])
    data = {"name": "2027 秋收", "kind": "operating", "start_on": "2027-09-15",
            "end_on": "2027-11-15", "categories": ["combine"], "plan_required": "y"}
    assert client.post("/catalog/seasons/new", data=data).status_code == 303
    season = db.session.query(Season).filter_by(name="2027 秋收").one()
    assert season.plan_required and season.plan_due_on(30) == date(2027, 8, 16)
    entry = db.session.query(AuditEntry).filter_by(entity_type="seasons").one()
    assert entry.changes["plan_required"] == [None, True]
    login(world.users[Role.DEALER_STAFF])
    body = client.get("/catalog/policy").get_data(as_text=True)
    assert _("due %(date)s", date="2027-08-16") in body
    login(world.users[Role.ADMIN])
    del data["plan_required"]
    assert client.post(f"/catalog/seasons/{season.id}/edit", data=data).status_code == 303
    assert not db.session.get(Season, season.id).plan_required
    assert _("not required") in client.get("/catalog/policy").get_data(as_text=True)


def _part_form(part, **values):
    data = {"part_number": part.part_number, "name": part.name, "kind": "wear",
            "price": "35.50", "supplier": "", "version": str(part.version)}
    return data | values


def test_part_season_consumption(client, login, world, db):
    part = factories.make_part("SC-1", kind="wear")
    assert part.season_consumption == 0
    login(world.users[Role.ADMIN])
    response = client.post(f"/catalog/parts/{part.id}/edit",
                           data=_part_form(part, season_consumption="1.25"))
    assert response.status_code == 303
    part = db.session.get(Part, part.id)
    assert part.season_consumption == Decimal("1.250")
    entry = db.session.query(AuditEntry).filter_by(entity_type="parts", action="update").one()
    assert entry.changes["season_consumption"] == ["0.000", "1.25"]
    body = client.get(f"/catalog/parts/{part.id}").get_data(as_text=True)
    assert "1.250" in body and _("Consumed per working unit and season") in body
    for bad, message in (("-1", None), ("0.0005", _("At most three decimal places.")),
                         ("lots", None), ("100000", None)):
        response = client.post(f"/catalog/parts/{part.id}/edit",
                               data=_part_form(part, season_consumption=bad))
        assert response.status_code == 422, bad
        assert 'class="error"' in response.get_data(as_text=True)
        if message:
            assert message in response.get_data(as_text=True)
    assert db.session.get(Part, part.id).season_consumption == Decimal("1.250")
    response = client.post(f"/catalog/parts/{part.id}/edit",
                           data=_part_form(db.session.get(Part, part.id), season_consumption=""))
    assert response.status_code == 303
    assert db.session.get(Part, part.id).season_consumption == 0


def test_legal_minimum_is_editable(client, login, world, db):
    login(world.users[Role.ADMIN])
    response = client.post("/catalog/legal/other/edit", data={
        "whole_months": "12", "main_parts_months": "24", "main_parts_named": "机架"})
    assert response.status_code == 303
    assert db.session.get(LegalMinimum, ModelCategory.OTHER).main_parts_months == 24
    assert client.get("/catalog/legal/nonsense/edit").status_code == 404
