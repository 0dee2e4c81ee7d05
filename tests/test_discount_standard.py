"""The discount standard page (折扣标准): each category's rows, kept by the administrator with
every change audited; each rule refused next to its field with nothing changed; an incomplete
standard said so; a rate changed here changes the settlement of a completed case."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.cases import services as cases
from portal.cases.settlement import settlement_of
from portal.catalog import discounts
from portal.catalog.models import DiscountRate, ModelCategory
from portal.core.audit import AuditEntry
from portal.core.errors import DomainError
from portal.core.versioning import LATEST
from tests import factories

TRACTOR = ModelCategory.TRACTOR_LARGE


@pytest.fixture
def admin(world):
    return world.users[Role.ADMIN]


def _rows(db):
    return {(r.category, r.from_month): r.rate for r in db.session.query(DiscountRate)}


def _post(client, url="/catalog/discounts/new", **values):
    return client.post(url, data={"category": "tractor_large", "from_month": "0",
                                  "rate": "100"} | values)


def test_the_administrator_adds_edits_and_deletes_rows_each_audited(client, login, admin, db):
    login(admin)
    assert _post(client).status_code == 303
    assert _post(client, from_month="12", rate="92.5").status_code == 303
    assert _rows(db) == {(TRACTOR, 0): Decimal("100.00"), (TRACTOR, 12): Decimal("92.50")}
    edit = _post(client, "/catalog/discounts/tractor_large/12/edit", from_month="6", rate="95")
    assert edit.status_code == 303
    assert _rows(db) == {(TRACTOR, 0): Decimal("100.00"), (TRACTOR, 6): Decimal("95.00")}
    gone = client.post("/catalog/discounts/tractor_large/6/delete",
                       headers={"HX-Request": "true"})
    assert gone.status_code == 200 and gone.get_data(as_text=True) == ""
    assert set(_rows(db)) == {(TRACTOR, 0)}
    entries = db.session.query(AuditEntry).filter_by(entity_type="discount_rates").order_by(
        AuditEntry.id).all()
    assert [(e.action, e.entity_id, e.actor_id) for e in entries] == [
        ("create", "tractor_large", admin.id)] * 2 + [
        ("update", "tractor_large", admin.id), ("delete", "tractor_large", admin.id)]
    assert entries[2].changes == {"from_month": [12, 6], "rate": ["92.50", "95"]}
    form = client.get("/catalog/discounts/new?for=combine").get_data(as_text=True)
    assert 'value="combine" selected' in form or 'selected value="combine"' in form
    page = client.get("/catalog/discounts").get_data(as_text=True)
    assert "折扣率" in page and "100 %" in page and "变更记录" in page


@pytest.mark.parametrize(("values", "field"), [
    ({"from_month": "-1"}, "from_month"), ({"from_month": "601"}, "from_month"),
    ({"from_month": "1.5"}, "from_month"), ({"from_month": ""}, "from_month"),
    ({"rate": "0"}, "rate"), ({"rate": "-5"}, "rate"), ({"rate": "100.01"}, "rate"),
    ({"rate": "95.125"}, "rate"), ({"rate": "abc"}, "rate"), ({"category": "boat"}, "category"),
])
def test_bad_input_is_refused_next_to_its_field(client, login, admin, db, values, field):
    login(admin)
    response = _post(client, **values)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    after = body[body.index(f'id="{field}"'):]
    assert 'class="error"' in after[:after.index("</div>")]
    assert _rows(db) == {}


def test_a_start_month_is_unique_in_its_category(client, login, admin, db):
    db.session.add_all([DiscountRate(category=TRACTOR, from_month=0, rate=100),
                        DiscountRate(category=TRACTOR, from_month=12, rate=90),
                        DiscountRate(category=ModelCategory.COMBINE, from_month=12, rate=90)])
    db.session.commit()
    login(admin)
    again = _post(client, from_month="12", rate="80")
    assert again.status_code == 422
    assert "该类别已有从 12 个月起的一行" in again.get_data(as_text=True)
    clash = _post(client, "/catalog/discounts/tractor_large/0/edit", from_month="12")
    assert clash.status_code == 422
    assert _post(client, "/catalog/discounts/tractor_large/12/edit", from_month="12",
                 rate="85").status_code == 303
    assert _rows(db)[(TRACTOR, 12)] == Decimal("85.00")
    assert _rows(db)[(ModelCategory.COMBINE, 12)] == Decimal("90.00")


def test_the_rules_in_english_as_the_service_says_them(admin, db):
    with force_locale("en"):
        problems = discounts.discount_problems(None, "tractor_large", -1, Decimal("100.5"))
        assert problems == {"from_month": "Enter whole months from 0 to 600.",
                            "rate": "Enter a rate above 0 and at most 100 per cent."}
        with pytest.raises(DomainError) as refused:
            discounts.save_discount_rate(None, "tractor_large", 0, Decimal("0.001"),
                                         actor=admin)
        assert refused.value.field == "rate"


def test_a_category_without_a_row_from_0_is_said_to_be_incomplete(client, login, world, db):
    db.session.add_all([DiscountRate(category=TRACTOR, from_month=0, rate=100),
                        DiscountRate(category=ModelCategory.COMBINE, from_month=3, rate=95)])
    db.session.commit()
    [combine, tractor] = sorted(discounts.standards(), key=lambda s: s.category.value)
    assert tractor.complete and not combine.complete
    login(world.users[Role.DEALER_STAFF])  # everyone reads it
    page = client.get("/catalog/discounts").get_data(as_text=True)
    assert page.count("不完整") == 1 and "使用不满 3 个月" in page
    assert "/catalog/discounts/new" not in page


def test_only_the_administrator_changes_it(client, login, world, db):
    db.session.add(DiscountRate(category=TRACTOR, from_month=0, rate=100))
    db.session.commit()
    for role in (Role.CLERK, Role.FINANCE, Role.DEALER_ADMIN):
        login(world.users[role])
        assert _post(client, from_month="3").status_code == 403
        assert client.post("/catalog/discounts/tractor_large/0/delete").status_code == 403
    assert set(_rows(db)) == {(TRACTOR, 0)}


def test_a_rate_changed_here_changes_the_settlement_of_a_completed_case(client, login, world,
                                                                        admin, db):
    db.session.add_all([DiscountRate(category=TRACTOR, from_month=0, rate=100),
                        DiscountRate(category=TRACTOR, from_month=6, rate=90)])
    model = factories.make_model(dealer_price=Decimal("80000"))
    unit = factories.make_unit(model=model, dealer=world.dealer_a)
    factories.make_card(unit, sale_date=date(2026, 5, 10))
    day, clerk = date(2026, 11, 20), world.users[Role.CLERK]
    now = datetime(2026, 11, 20, 2, tzinfo=UTC)
    case = cases.open_case(unit, "refund", "同一故障第三次", actor=clerk, today=day,
                           invoice_amount="98000.00", now=now)
    cases.decide_case(case, True, "同意", actor=world.users[Role.TECHNICAL], version=LATEST,
                      now=now)
    cases.complete_case(case, day, actor=clerk, version=LATEST, today=day,
                        refund_amount="98000.00")
    db.session.commit()
    assert settlement_of(case).amount == Decimal("72000.00")
    login(admin)
    assert _post(client, "/catalog/discounts/tractor_large/6/edit", from_month="6",
                 rate="87.5").status_code == 303
    assert settlement_of(case).amount == Decimal("70000.00")
