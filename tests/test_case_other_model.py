"""An exchange for another model: the regulation's same model and specification unless the
buyer agreed to another model of the same category; his price difference with the dealer (+ 补差,
− 返差) recorded, shown, in the history and the API, and no part of the maker's settlement."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from portal.accounts.roles import Role
from portal.cases import services
from portal.cases.models import SanbaoCase
from portal.cases.settlement import settlement_of
from portal.catalog.models import DiscountRate, ModelCategory
from portal.core.audit import AuditEntry
from portal.core.db import shanghai_today
from portal.core.errors import DomainError
from portal.core.versioning import LATEST
from tests import factories

TODAY = shanghai_today()


@pytest.fixture
def exchange(world, db):
    """Dealer A's approved exchange of a tractor; in its stock an unsold tractor of another
    model and an unsold combine."""
    db.session.add(DiscountRate(category=ModelCategory.TRACTOR_LARGE, from_month=0, rate=100))
    failed_model = factories.make_model("OM-OLD", dealer_price=Decimal("80000"))
    failed = factories.make_unit(model=failed_model, dealer=world.dealer_a)
    factories.make_card(failed, sale_date=TODAY - timedelta(days=100))
    other = factories.make_unit(model=factories.make_model(
        "OM-NEW", dealer_price=Decimal("84000")), dealer=world.dealer_a)
    combine = factories.make_unit(model=factories.make_model(
        "OM-CMB", category=ModelCategory.COMBINE), dealer=world.dealer_a)
    now = datetime.now(UTC) - timedelta(days=1)
    case = services.open_case(failed, "exchange", "同一故障第三次", actor=world.users[Role.CLERK],
                              today=TODAY, now=now)
    services.decide_case(case, True, "同意", actor=world.users[Role.TECHNICAL], version=LATEST,
                         now=now)
    db.session.commit()
    return case, other, combine


def _complete(world, case, serial, **values):
    return services.complete_case(case, TODAY, actor=world.users[Role.CLERK], version=LATEST,
                                  today=TODAY, replacement_serial=serial, **values)


def _refused(world, case, serial, **values) -> DomainError:
    with pytest.raises(DomainError) as refused:
        _complete(world, case, serial, **values)
    return refused.value


def test_another_model_is_refused_without_the_buyers_agreement(world, exchange):
    case, other, _combine = exchange
    error = _refused(world, case, other.serial, buyer_difference="4000")
    assert error.field == "replacement_serial" and "OM-OLD" in error.message


def test_another_category_is_refused_even_with_it(world, exchange):
    case, _other, combine = exchange
    error = _refused(world, case, combine.serial, other_model_agreed=True,
                     buyer_difference="0")
    assert error.field == "replacement_serial"


def test_the_difference_is_needed_for_another_model_and_refused_for_the_same(world, exchange,
                                                                              db):
    case, other, _combine = exchange
    assert _refused(world, case, other.serial, other_model_agreed=True).field == \
        "buyer_difference"
    assert _refused(world, case, other.serial, other_model_agreed=True,
                    buyer_difference="12.345").field == "buyer_difference"
    same = factories.make_unit(model=case.unit.model, dealer=world.dealer_a)
    assert _refused(world, case, same.serial, other_model_agreed=True,
                    buyer_difference="100").field == "buyer_difference"


def test_with_the_agreement_the_other_model_is_handed_over_and_the_difference_kept(
        world, exchange, db):
    case, other, _combine = exchange
    _complete(world, case, other.serial, other_model_agreed=True, buyer_difference="-1500")
    db.session.commit()
    case = db.session.get(SanbaoCase, case.id)
    assert case.status.value == "completed" and case.replacement_unit_id == other.id
    assert (case.other_model_agreed, case.buyer_difference) == (True, Decimal("-1500.00"))
    entry = db.session.query(AuditEntry).filter_by(entity_type="sanbao_cases",
                                                   action="complete_case").one()
    assert entry.changes["other_model_agreed"] == [False, True]
    assert entry.changes["buyer_difference"] == [None, "-1500.00"]
    # The maker's settlement knows nothing of the buyer's difference (own stock: no charge).
    assert settlement_of(case).amount == Decimal("80000.00")


def test_the_form_takes_the_tick_and_the_page_shows_the_difference(client, login, world,
                                                                   exchange, db):
    case, other, _combine = exchange
    login(world.users[Role.DEALER_STAFF])
    url = f"/cases/{case.id}/complete"
    data = {"completed_on": TODAY.isoformat(), "replacement_serial": other.serial,
            "buyer_difference": "+4000", "version": str(case.version)}
    refused = client.post(url, data=data)
    assert refused.status_code == 422 and "同型号同规格" in refused.get_data(as_text=True)
    assert client.post(url, data=data | {"other_model_agreed": "y"}).status_code == 303
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "¥4,000.00" in page and "补差" in page and "OM-NEW" in page
    assert "用户同意更换其他型号" in page


def test_the_api_records_and_answers_them(api, world, exchange, db):
    case, other, _combine = exchange
    path = f"/sanbao-cases/{case.id}/complete"
    body = {"completed_on": TODAY.isoformat(), "replacement_serial": other.serial}
    refused = api("POST", path, Role.CLERK, json=body | {"buyer_difference": "100.00"})
    assert refused.status_code == 422 and refused.json["field"] == "replacement_serial"
    for bad in ({"other_model_agreed": "yes"}, {"other_model_agreed": True,
                                                "buyer_difference": -100}):
        answer = api("POST", path, Role.CLERK, json=body | bad)
        assert answer.status_code == 400 and answer.json["field"] in bad
    done = api("POST", path, Role.CLERK, json=body | {"other_model_agreed": True,
                                                      "buyer_difference": "-2500.50"})
    assert done.status_code == 200, done.json
    assert (done.json["other_model_agreed"], done.json["buyer_difference"]) == (True,
                                                                                "-2500.50")


def test_a_refund_takes_no_difference(api, world, db):
    unit = factories.make_unit(dealer=world.dealer_a)
    factories.make_card(unit, sale_date=TODAY - timedelta(days=30))
    now = datetime.now(UTC) - timedelta(days=1)
    case = services.open_case(unit, "refund", "无同型号", actor=world.users[Role.CLERK],
                              today=TODAY, invoice_amount="50000.00", now=now)
    services.decide_case(case, True, "同意", actor=world.users[Role.TECHNICAL], version=LATEST,
                         now=now)
    db.session.commit()
    answer = api("POST", f"/sanbao-cases/{case.id}/complete", Role.CLERK, json={
        "completed_on": TODAY.isoformat(), "refund_amount": "50000.00",
        "buyer_difference": "100.00"})
    assert answer.status_code == 422 and answer.json["field"] == "buyer_difference"


@pytest.mark.parametrize(("typed", "read"), [
    ("", None), ("  ", None), (None, None), ("0", Decimal("0.00")), ("+1200", Decimal("1200.00")),
    ("-350.5", Decimal("-350.50")), ("−80", Decimal("-80.00"))])
def test_a_signed_amount_left_empty_is_none(app, typed, read):
    """The hand-over form sends the difference empty for the same model: nothing, no error."""
    assert services.signed_amount(typed, "buyer_difference") == read
