"""The buyer's 三包凭证: a real PDF from the filed card, reprinted as the card stands, in scope."""

from datetime import date

import pytest

from portal.accounts.roles import Role
from portal.catalog.models import PartKind, PolicySettings
from portal.claims.repairs import clocks_for
from portal.units import card_services
from portal.units.coverage import Clock
from tests import factories
from tests.helpers import pdf_objects, pdf_page_count, pdf_text

INVOICE = date(2026, 3, 2)


@pytest.fixture
def unit(world, db):
    dealer = world.dealer_a
    dealer.address, dealer.service_phone = "经十路88号", "0531-66668888"
    policy = PolicySettings.current()
    db.session.add(policy)
    policy.maker_name, policy.maker_service_line = "山东三宝农业装备有限公司", "400-653-8866"
    model = factories.make_model("SB-904", name="904型轮式拖拉机", whole_months=12,
                                 main_parts_months=24, wear_parts_months=6,
                                 main_parts_named="机体、气缸盖、飞轮")
    factories.make_part("TP-LIFT", models=[model], name="提升器壳体", kind=PartKind.MAIN,
                        warranty_months=36)
    unit = factories.make_unit("SB904-0001", model=model, dealer=dealer, engine_no="YT4105-77",
                               shipped_on=date(2026, 1, 10))
    factories.make_card(unit, buyer_name="李大山", buyer_phone="13912345678",
                        sale_date=date(2026, 3, 1), invoice_date=INVOICE, invoice_no="NO.8812",
                        province="山东省", city="德州市", address="平原县王庄村")
    db.session.commit()
    return unit


def _certificate(client, unit):
    response = client.get(f"/units/{unit.id}/card/certificate.pdf")
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    assert pdf_page_count(pdf_objects(response.data)) == 1  # the buyer's one sheet
    return pdf_text(response.data)


def test_the_certificate_holds_buyer_machine_periods_parts_repairer_and_rules(
        client, login, world, unit):
    login(world.users[Role.DEALER_STAFF])
    text = _certificate(client, unit)
    for expected in ("三包凭证", "李大山", "13912345678", "平原县王庄村", "904型轮式拖拉机",
                     "SB-904", "SB904-0001", "YT4105-77", "NO.8812", "2026-03-02",
                     "机体、气缸盖、飞轮", "TP-LIFT", "提升器壳体", "36",
                     "甲经销商", "经十路88号", "0531-66668888", "400-653-8866",
                     "谁销售谁负责"):
        assert expected in text, expected
    ends = {clock: period.ends_on for clock, _months, period in clocks_for(unit)}
    # The three clocks from the invoice date, as the unit page computes them.
    assert ends == {Clock.WHOLE: date(2027, 3, 2), Clock.MAIN: date(2028, 3, 2),
                    Clock.WEAR: date(2026, 9, 2)}
    for day in ends.values():
        assert day.isoformat() in text


def test_a_reprint_after_a_resale_names_the_new_owner(client, login, world, unit, db):
    card_services.transfer_card(unit.card, {"buyer_name": "赵二牛", "buyer_phone": "13700001111",
                                            "province": "山东省", "city": "聊城市",
                                            "address": "东阿县"},
                                changed_on=date(2026, 6, 1), today=date(2026, 6, 1),
                                actor=world.users[Role.DEALER_STAFF])
    db.session.commit()
    login(world.users[Role.CLERK])
    text = _certificate(client, unit)
    assert "赵二牛" in text and "2026-06-01" in text
    assert "李大山" not in text


def test_only_a_filed_card_within_scope_prints(client, login, world, unit, db):
    login(world.dealer_b_admin)
    assert client.get(f"/units/{unit.id}/card/certificate.pdf").status_code == 404
    draft = factories.make_unit(dealer=world.dealer_a)
    factories.make_card(draft, status="draft")
    bare = factories.make_unit(dealer=world.dealer_a)
    db.session.commit()
    login(world.users[Role.DEALER_ADMIN])
    for other in (draft, bare):
        assert client.get(f"/units/{other.id}/card/certificate.pdf").status_code == 404
    link = f'href="/units/{unit.id}/card/certificate.pdf"'
    assert link in client.get(f"/units/{unit.id}").get_data(as_text=True)
    page = client.get(f"/units/{draft.id}").get_data(as_text=True)
    assert "certificate.pdf" not in page


def test_the_administrator_sets_the_service_line_on_the_policy_page(client, login, world, db):
    from portal.catalog.policy_views import POLICY_FIELDS

    policy = PolicySettings.current()
    data = {k: str(getattr(policy, k) if getattr(policy, k) is not None else "")
            for k in POLICY_FIELDS if k != "auto_approve"}
    data |= {"maker_service_line": " 400-653-8866 ", "delivery_confirm_days": "7",
             "alert_false_rate": "0.05", "alert_min_failures": "3",
             "auto_max_total": "1000.00", "auto_sample_percent": "10",
             "good_standing_days": "90", "hold_overdue_days": "30",
             "duplicate_window_days": "30", "late_claim_days": "30"}
    login(world.users[Role.ADMIN])
    assert 'name="maker_service_line"' in client.get("/catalog/policy/edit").get_data(
        as_text=True)
    response = client.post("/catalog/policy/edit", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[-800:]
    assert db.session.get(PolicySettings, 1).maker_service_line == "400-653-8866"
    assert "400-653-8866" in client.get("/catalog/policy").get_data(as_text=True)
