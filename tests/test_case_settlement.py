"""The maker's settlement with the dealer for a completed exchange or refund: the return credit
by the discount standard, the replacement from the factory and its 补差 / 返差, as arithmetic."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.cases import services
from portal.cases.settlement import months_between, rate_for, settlement_of
from portal.catalog.models import DiscountRate, ModelCategory
from portal.core.versioning import LATEST
from tests import factories

SOLD = date(2026, 5, 10)


@pytest.fixture(autouse=True)
def english(app):
    with force_locale("en"):
        yield


@pytest.fixture
def standard(db):
    """Tractors: 100 % in the first 3 months, 95 % to 6, 90 % after."""
    for start, rate in ((0, "100"), (3, "95"), (6, "90")):
        db.session.add(DiscountRate(category=ModelCategory.TRACTOR_LARGE, from_month=start,
                                    rate=Decimal(rate)))
    db.session.flush()


def _case(world, kind, day, **completion):
    model = completion.pop("model", None) or factories.make_model(dealer_price=Decimal("80000"))
    unit = factories.make_unit(model=model, dealer=world.dealer_a)
    factories.make_card(unit, sale_date=SOLD)
    clerk, now = world.users[Role.CLERK], datetime(day.year, day.month, day.day, 2, tzinfo=UTC)
    case = services.open_case(unit, kind, "同一故障第三次", actor=clerk, today=day,
                              invoice_amount="98000.00", now=now)
    services.decide_case(case, True, "同意", actor=world.users[Role.TECHNICAL], version=LATEST,
                         now=now)
    services.complete_case(case, day, actor=clerk, version=LATEST, today=day, **completion)
    return case


def test_whole_months_in_use():
    assert months_between(date(2026, 1, 15), date(2026, 2, 14)) == 0
    assert months_between(date(2026, 1, 15), date(2026, 2, 15)) == 1
    assert months_between(date(2026, 1, 31), date(2026, 3, 1)) == 1
    assert months_between(date(2025, 11, 20), date(2026, 11, 20)) == 12
    assert months_between(date(2026, 5, 10), date(2026, 5, 1)) == 0


def test_the_rate_is_the_last_row_reached(standard):
    tractor = ModelCategory.TRACTOR_LARGE
    assert [rate_for(tractor, m) for m in (0, 2, 3, 5, 6, 40)] == [
        Decimal("100.00"), Decimal("100.00"), Decimal("95.00"), Decimal("95.00"),
        Decimal("90.00"), Decimal("90.00")]
    assert rate_for(ModelCategory.COMBINE, 1) is None


def test_a_refund_is_credited_by_the_discount_standard(world, standard):
    case = _case(world, "refund", date(2026, 11, 20), refund_amount="98000.00")
    settlement = settlement_of(case)
    assert settlement.problem is None
    assert (settlement.months_in_use, settlement.rate) == (6, Decimal("90.00"))
    [credit] = settlement.lines
    assert credit.key == "return_credit" and credit.amount == Decimal("72000.00")
    assert "¥80,000.00 × 90 %" in credit.arithmetic and "6 months" in credit.arithmetic
    assert settlement.amount == Decimal("72000.00")


def test_an_exchange_from_the_dealers_stock_charges_nothing_for_the_replacement(world,
                                                                                standard):
    model = factories.make_model(dealer_price=Decimal("80000"))
    spare = factories.make_unit(model=model, dealer=world.dealer_a)
    case = _case(world, "exchange", date(2026, 7, 9), model=model,
                 replacement_serial=spare.serial)
    settlement = settlement_of(case)
    assert [line.key for line in settlement.lines] == ["return_credit", "own_stock"]
    assert settlement.rate == Decimal("100.00") and settlement.amount == Decimal("80000.00")


def test_a_factory_replacement_is_charged_and_the_dealer_is_even_at_full_rate(world,
                                                                              standard):
    model = factories.make_model(dealer_price=Decimal("80000"))
    factory = factories.make_unit(model=model, dealer=None)
    case = _case(world, "exchange", date(2026, 7, 9), model=model,
                 replacement_serial=factory.serial)
    assert case.replacement_from_factory
    settlement = settlement_of(case)
    assert [(line.key, line.amount) for line in settlement.lines] == [
        ("return_credit", Decimal("80000.00")), ("replacement", Decimal("-80000.00"))]
    assert settlement.amount == Decimal("0.00")


@pytest.mark.parametrize(("new_price", "label", "amount"), [
    ("86500.50", "补差", Decimal("-6500.50")), ("75000", "返差", Decimal("5000.00"))])
def test_another_price_gives_the_difference_its_own_line(world, standard, db, new_price,
                                                         label, amount):
    model = factories.make_model(dealer_price=Decimal("80000"))
    factory = factories.make_unit(model=model, dealer=None)
    case = _case(world, "exchange", date(2026, 8, 10), model=model,
                 replacement_serial=factory.serial)
    model.dealer_price = Decimal(new_price)  # the replacement's price, as if another model
    case.unit.model = factories.make_model(dealer_price=Decimal("80000"))
    settlement = settlement_of(case)
    difference = settlement.lines[-1]
    assert difference.key == "difference" and label in difference.label
    assert difference.amount == amount
    assert settlement.amount == money_sum(settlement.lines)
    assert settlement.amount == Decimal("76000.00") - Decimal("80000.00") + amount


def money_sum(lines):
    return sum((line.amount for line in lines), Decimal("0.00"))


def test_no_price_or_no_rate_is_said_not_guessed(world, standard):
    case = _case(world, "refund", date(2026, 11, 20), refund_amount="98000.00",
                 model=factories.make_model(dealer_price=None))
    assert "no dealer price" in settlement_of(case).problem
    assert settlement_of(case).lines == () and settlement_of(case).amount == Decimal("0.00")
    combine = factories.make_model(category=ModelCategory.COMBINE,
                                   dealer_price=Decimal("150000"))
    case = _case(world, "refund", date(2026, 11, 20), refund_amount="98000.00", model=combine)
    assert "no rate for Combine harvester after 6 months" in settlement_of(case).problem
