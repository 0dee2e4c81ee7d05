"""Paid service, only for what lies outside the buyer's rights, priced without padding: parts at
retail (no warranty mark-up), labour at the standard hours unless the customer agreed to more,
travel by band; the bill shows it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.catalog.models import PolicySettings
from portal.claims import services
from portal.claims.bill import bill_lines, service_bill_html
from portal.claims.models import LineKind
from portal.core.db import shanghai_today
from portal.core.errors import DomainError
from portal.extensions import db
from tests import builders, factories

TODAY = shanghai_today()


@pytest.fixture(autouse=True)
def english():
    with force_locale("en"):
        yield


@pytest.fixture
def dealer(world):
    return world.users[Role.DEALER_STAFF]


@pytest.fixture
def old_shop(world):
    """A workshop whose unit is out of every period: nothing is covered for the buyer."""
    return factories.workshop(world.dealer_a, sale_date=TODAY - timedelta(days=800))


@pytest.fixture
def markup():
    policy = PolicySettings.current()
    policy.parts_markup_percent = Decimal("10")
    db.session.add(policy)
    db.session.flush()


def draft(shop, dealer):
    return builders.open_claim(shop, dealer, today=TODAY)


def test_a_paid_part_is_priced_at_retail_and_back_with_the_mark_up(old_shop, dealer, markup):
    claim = draft(old_shop, dealer)
    line = services.add_line(claim, LineKind.PART, {"part_id": old_shop.main_part.id,
                                                    "quantity": 2}, actor=dealer)
    assert (line.unit_price, line.amount) == (Decimal("1320.00"), Decimal("2640.00"))
    services.set_paid_service(claim, line.id, True, actor=dealer)
    assert (line.unit_price, line.amount) == (Decimal("1200.00"), Decimal("2400.00"))
    assert bill_lines(claim).total == Decimal("2400.00")
    services.set_paid_service(claim, line.id, False, actor=dealer)
    assert (line.unit_price, line.amount) == (Decimal("1320.00"), Decimal("2640.00"))


def test_labour_above_standard_is_billed_only_with_the_customers_agreement(old_shop, dealer):
    claim = draft(old_shop, dealer)
    line = services.add_line(claim, LineKind.LABOUR, {
        "fault_code_id": old_shop.fault.id, "hours": Decimal("4"), "reason": "螺栓锈死"},
        actor=dealer)
    with pytest.raises(DomainError) as refused:
        services.set_paid_service(claim, line.id, True, actor=dealer)
    assert refused.value.field == "customer_agreed" and not line.paid_service
    services.set_paid_service(claim, line.id, True, actor=dealer, customer_agreed=True)
    assert line.paid_service and line.customer_agreed
    assert line.amount == Decimal("200.00")  # 4 h × 50.00, as agreed
    html = service_bill_html(claim)
    assert "standard 2.50 h" in html
    assert "the customer agreed to the hours above the standard" in html
    services.set_paid_service(claim, line.id, False, actor=dealer)
    assert not line.customer_agreed


def test_labour_within_standard_needs_no_agreement(old_shop, dealer):
    claim = draft(old_shop, dealer)
    line = services.add_line(claim, LineKind.LABOUR, {"fault_code_id": old_shop.fault.id},
                             actor=dealer)
    services.set_paid_service(claim, line.id, True, actor=dealer)
    assert line.paid_service and not line.customer_agreed
    assert "agreed" not in service_bill_html(claim)


def test_a_paid_line_that_turns_out_covered_goes_back_to_warranty_prices(old_shop, dealer,
                                                                         markup):
    claim = draft(old_shop, dealer)
    line = services.add_line(claim, LineKind.PART, {"part_id": old_shop.main_part.id,
                                                    "quantity": 1}, actor=dealer)
    services.set_paid_service(claim, line.id, True, actor=dealer)
    old_shop.card.sale_date = old_shop.card.invoice_date = TODAY - timedelta(days=100)
    services.update_claim(claim, {"description": "重新核对发票日期"}, actor=dealer,
                          today=TODAY)
    assert line.covered and not line.paid_service
    assert line.amount == Decimal("1320.00")
    assert bill_lines(claim).lines == []


def test_the_claim_page_asks_for_the_agreement(client, login, world, old_shop, dealer):
    claim = draft(old_shop, dealer)
    services.add_line(claim, LineKind.LABOUR, {
        "fault_code_id": old_shop.fault.id, "hours": Decimal("4"), "reason": "螺栓锈死"},
        actor=dealer)
    db.session.commit()
    login(dealer)
    page = client.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert 'name="customer_agreed"' in page
