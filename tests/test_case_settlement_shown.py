"""The maker's settlement of a completed case where people look: the case page's "Settlement
with the dealer" (lines, arithmetic, signed amounts, total, or the problem) for head office and
the case's dealer, and the API's case answer (null before completion)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from portal.accounts.roles import Role
from portal.cases import services
from portal.catalog.models import DiscountRate, ModelCategory
from portal.core.db import shanghai_today
from portal.core.versioning import LATEST
from tests import factories

TODAY = shanghai_today()


@pytest.fixture
def standard(db):
    for start, rate in ((0, "100"), (3, "95")):
        db.session.add(DiscountRate(category=ModelCategory.TRACTOR_LARGE, from_month=start,
                                    rate=Decimal(rate)))


def _case(world, db, kind="exchange", price=Decimal("80000"), complete=True):
    """Dealer A's case on a tractor sold 100 days ago (3 whole months in use), completed today:
    an exchange for a factory machine of the same model, or a refund."""
    model = factories.make_model(dealer_price=price)
    unit = factories.make_unit(model=model, dealer=world.dealer_a)
    factories.make_card(unit, sale_date=TODAY - timedelta(days=100),
                        invoice_date=TODAY - timedelta(days=100))
    clerk, now = world.users[Role.CLERK], datetime.now(UTC) - timedelta(days=1)
    case = services.open_case(unit, kind, "同一故障第三次", actor=clerk, today=TODAY,
                              invoice_amount="98000.00", now=now)
    services.decide_case(case, True, "同意", actor=world.users[Role.TECHNICAL], version=LATEST,
                         now=now)
    if complete:
        spare = factories.make_unit(model=model, dealer=None)
        completion = ({"replacement_serial": spare.serial} if kind == "exchange" else
                      {"refund_amount": "98000.00"})
        services.complete_case(case, TODAY, actor=clerk, version=LATEST, today=TODAY,
                               **completion)
    db.session.commit()
    return case


def test_the_case_page_shows_the_lines_and_total_to_head_office_and_its_dealer(
        client, login, world, db, standard):
    case = _case(world, db)
    for user in (world.users[Role.DEALER_STAFF], world.users[Role.CLERK],
                 world.users[Role.FINANCE], world.users[Role.SALES_REP]):
        login(user)
        page = client.get(f"/cases/{case.id}").get_data(as_text=True)
        section = page[page.index('id="settlement"'):]
        section = section[:section.index("</section>")]
        assert "× 95 %" in section and "+¥76,000.00" in section  # the return credit
        assert "−¥80,000.00" in section  # the factory replacement charged
        assert "−¥4,000.00" in section  # the total: the dealer owes the maker
    login(world.dealer_b_admin)
    assert client.get(f"/cases/{case.id}").status_code == 404


def test_the_problem_is_said_when_it_cannot_be_worked_out(client, login, world, db, standard):
    case = _case(world, db, kind="refund", price=None)
    login(world.users[Role.DEALER_ADMIN])
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    section = page[page.index('id="settlement"'):]
    assert "尚无经销价" in section[:section.index("</section>")]


def test_no_section_before_completion(client, login, world, db, standard):
    case = _case(world, db, complete=False)
    login(world.users[Role.CLERK])
    assert 'id="settlement"' not in client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_the_api_answers_the_settlement_once_completed(api, world, db, standard):
    open_case = _case(world, db, complete=False)
    assert api("GET", f"/sanbao-cases/{open_case.id}", Role.CLERK).json["settlement"] is None
    case = _case(world, db)
    settlement = api("GET", f"/sanbao-cases/{case.id}", Role.DEALER_STAFF).json["settlement"]
    assert settlement["amount"] == "-4000.00" and settlement["problem"] is None
    assert [(line["key"], line["amount"]) for line in settlement["lines"]] == [
        ("return_credit", "76000.00"), ("replacement", "-80000.00")]
    assert all(line["label"] and line["arithmetic"] for line in settlement["lines"])


def test_the_api_names_the_problem_with_no_lines(api, world, db):
    case = _case(world, db, kind="refund")  # no discount standard at all
    settlement = api("GET", f"/sanbao-cases/{case.id}", Role.CLERK).json["settlement"]
    assert settlement["lines"] == [] and settlement["amount"] == "0.00"
    assert settlement["problem"]
