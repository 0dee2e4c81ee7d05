"""A warranty card's dates must agree: neither the invoice nor the sale after the day the card was
received, the invoice not before the unit left the factory (its shipping day, else its
production date); refused with the field in the form, the service and the API."""

from datetime import date, timedelta

import pytest

from portal.accounts.roles import Role
from portal.core.db import shanghai_today
from portal.core.errors import DomainError
from portal.units import card_services as services
from portal.units.cards import WarrantyCard
from tests import factories

TODAY = shanghai_today()
SHIPPED = TODAY - timedelta(days=170)


def day(n: int) -> date:
    """The n-th day after the unit was shipped."""
    return SHIPPED + timedelta(days=n)


@pytest.fixture
def unit(world, db):
    unit = factories.make_unit("SB-DATES-1", dealer=world.dealer_a, shipped_on=SHIPPED,
                               production_date=day(-20))
    db.session.commit()
    return unit


def values(sale: date, invoice: date | None = None) -> dict:
    return {"buyer_name": "孙八", "buyer_phone": "13911112222", "province": "山东省",
            "city": "济南市", "address": "历城区1号", "invoice_no": "FP-77",
            "sale_date": sale, "invoice_date": invoice or sale}


def refused(unit, world, vals, *, received_on=None, role=Role.CLERK) -> DomainError:
    with pytest.raises(DomainError) as error:
        services.save_card(unit, vals, actor=world.users[role], today=TODAY, file=True,
                           received_on=received_on)
    return error.value


def test_neither_the_invoice_nor_the_sale_after_the_card_was_received(unit, world, db):
    received = day(100)
    error = refused(unit, world, values(day(90), day(102)), received_on=received)
    assert error.field == "invoice_date" and received.isoformat() in str(error.message)
    error = refused(unit, world, values(day(101), day(90)), received_on=received)
    assert error.field == "sale_date"
    card = services.save_card(unit, values(day(90), received),
                              actor=world.users[Role.CLERK], today=TODAY, file=True,
                              received_on=received)
    assert card.received_on == received


def test_the_invoice_not_before_the_unit_left_the_factory(unit, world, db):
    error = refused(unit, world, values(SHIPPED, SHIPPED - timedelta(days=1)),
                    role=Role.DEALER_STAFF)
    assert error.field == "invoice_date" and SHIPPED.isoformat() in str(error.message)
    unshipped = factories.make_unit(dealer=world.dealer_a, shipped_on=None,
                                    production_date=day(60))
    error = refused(unshipped, world, values(day(65), day(59)))
    assert error.field == "invoice_date" and day(60).isoformat() in str(error.message)
    assert services.save_card(unshipped, values(day(65), day(60)),
                              actor=world.users[Role.CLERK], today=TODAY, file=True)


def test_the_form_puts_the_message_next_to_the_field(client, login, world, unit, db):
    login(world.users[Role.CLERK])
    response = client.post(f"/units/{unit.id}/card", data={
        "buyer_name": "孙八", "buyer_phone": "13911112222", "province": "山东省",
        "city": "济南市", "address": "历城区1号", "invoice_no": "FP-77",
        "sale_date": day(90).isoformat(), "invoice_date": day(105).isoformat(),
        "received_on": day(100).isoformat(), "file": "1"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    message = f"不能晚于回执卡收到日期（{day(100).isoformat()}）"
    field = body[body.index('name="invoice_date"'):]
    assert message in field[:field.index('class="field')]  # under its own field
    assert db.session.query(WarrantyCard).count() == 0


def test_the_api_answers_422_with_the_field(api, world, unit, db):
    body = {"serial": unit.serial, "buyer_name": "孙八", "buyer_phone": "13911112222",
            "address": "历城区1号", "invoice_no": "FP-77", "sale_date": day(90).isoformat(),
            "invoice_date": day(-1).isoformat()}
    response = api("POST", "/warranty-cards", role=Role.DEALER_STAFF, json=body)
    assert response.status_code == 422 and response.json["field"] == "invoice_date"
    body |= {"invoice_date": day(105).isoformat(), "received_on": day(100).isoformat()}
    response = api("POST", "/warranty-cards", role=Role.CLERK, json=body)
    assert response.status_code == 422 and response.json["field"] == "invoice_date"
