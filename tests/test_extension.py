"""The clocks' extension from a unit's records: each day once however many repair records
overlap it, plus the days a record states it waited for parts; the record's waiting dates are
checked, kept, shown and answered by the API."""

from datetime import date, timedelta

import pytest

from portal.accounts.roles import Role
from portal.claims import services
from portal.claims.repairs import clocks_for, coverage_for, warranty_repairs
from portal.core.errors import DomainError
from tests import factories
from tests.builders import open_claim

TODAY = date(2026, 11, 20)
TRAVEL = [{"kind": "travel", "amount": "80.00", "km": 30}]


def repair(unit, handed_in, completed, status="submitted", **values):
    return factories.make_claim(unit, status=status, lines=TRAVEL, failure_date=handed_in,
                                handed_in_on=handed_in, completed_on=completed, **values)


@pytest.fixture
def unit(world):
    unit = factories.make_unit(model=factories.make_model(whole_months=12),
                               dealer=world.dealer_a)
    factories.make_card(unit, sale_date=date(2025, 3, 3), invoice_date=date(2025, 3, 3))
    return unit


def whole_clock(unit):
    return clocks_for(unit)[0][2]


def test_two_records_of_the_same_days_extend_the_clocks_once(unit, db):
    repair(unit, date(2025, 6, 2), date(2025, 6, 12))  # 10 days
    repair(unit, date(2025, 6, 2), date(2025, 6, 12))  # the same visit filed twice
    repair(unit, date(2025, 6, 10), date(2025, 6, 14))  # overlaps: 2 more days
    period = whole_clock(unit)
    assert period.extension_days == 12
    assert period.rolled_from == date(2026, 3, 3) + timedelta(days=12)  # 15 March, a Sunday…
    verdict = coverage_for(unit, None, date(2026, 3, 16))
    assert verdict.extension_days == 12 and verdict.covered  # …so Monday the 16th


def test_days_waiting_for_parts_extend_the_clocks_once_with_the_repair(unit, db):
    # Waited 20 May – 5 June (17 days), handed in 2 June, done 12 June: 20 May – 11 June.
    repair(unit, date(2025, 6, 2), date(2025, 6, 12), parts_waited_from=date(2025, 5, 20),
           parts_waited_to=date(2025, 6, 6))
    assert whole_clock(unit).extension_days == 23
    spans = warranty_repairs(unit.id)
    assert (spans[0].waited_from, spans[0].waited_to) == (date(2025, 5, 20), date(2025, 6, 6))


def test_a_draft_or_rejected_record_extends_nothing(unit, db):
    repair(unit, date(2025, 6, 2), date(2025, 6, 12), status="draft",
           parts_waited_from=date(2025, 5, 1), parts_waited_to=date(2025, 6, 1))
    repair(unit, date(2025, 7, 2), date(2025, 7, 12), status="rejected")
    assert whole_clock(unit).extension_days == 0


def test_a_claim_does_not_extend_its_own_coverage_and_only_earlier_ones_count(unit, db):
    earlier = repair(unit, date(2025, 6, 2), date(2025, 6, 12))
    later = repair(unit, date(2025, 9, 1), date(2025, 9, 5))
    assert coverage_for(unit, None, date(2025, 8, 1)).extension_days == 10
    assert coverage_for(unit, None, date(2025, 9, 2), exclude_claim_id=later.id
                        ).extension_days == 10
    assert coverage_for(unit, None, date(2025, 9, 2), exclude_claim_id=earlier.id
                        ).extension_days == 4


@pytest.mark.parametrize("on", [date(2025, 6, 2), date(2025, 6, 3), date(2025, 9, 1),
                                date(2025, 9, 2)])
def test_repairs_read_once_count_as_those_each_question_reads(unit, db, on):
    """The unit page reads the repairs once for today's coverage and the clocks: only those
    handed in before the day count for its coverage, as the query's ``before`` selects."""
    repair(unit, date(2025, 6, 2), date(2025, 6, 12))
    repair(unit, date(2025, 9, 1), date(2025, 9, 5))
    repairs = warranty_repairs(unit.id)
    assert coverage_for(unit, None, on, repairs=repairs) == coverage_for(unit, None, on)
    assert clocks_for(unit, repairs) == clocks_for(unit)


# --- the record's waiting dates ---------------------------------------------------------------

@pytest.fixture
def shop(world):
    return factories.workshop(world.dealer_a, sale_date=TODAY - timedelta(days=100))


@pytest.mark.parametrize(("waited", "field"), [
    ((TODAY - timedelta(days=9), None), "parts_waited_to"),
    ((None, TODAY - timedelta(days=9)), "parts_waited_from"),
    ((TODAY - timedelta(days=12), TODAY - timedelta(days=9)), "parts_waited_from"),  # pre-failure
    ((TODAY - timedelta(days=9), TODAY - timedelta(days=9)), "parts_waited_to"),
    ((TODAY - timedelta(days=9), TODAY - timedelta(days=5)), "parts_waited_to"),  # after done
    ((TODAY - timedelta(days=9), TODAY + timedelta(days=1)), "parts_waited_to"),  # future
])
def test_waiting_dates_are_checked(shop, world, db, waited, field):
    dealer = world.users[Role.DEALER_STAFF]
    claim = open_claim(shop, dealer, today=TODAY)  # failed 10 days ago, done 8 days ago
    values = {"failure_date": claim.failure_date, "handed_in_on": claim.handed_in_on,
              "completed_on": claim.completed_on, "parts_waited_from": waited[0],
              "parts_waited_to": waited[1]}
    with pytest.raises(DomainError) as refused:
        services.update_claim(claim, values, actor=dealer, today=TODAY)
    assert refused.value.field == field
    assert claim.parts_waited_from is None and claim.parts_waited_to is None


def test_the_record_keeps_shows_and_answers_its_waiting_days(shop, world, client, login, api,
                                                             db):
    dealer = world.users[Role.DEALER_STAFF]
    claim = open_claim(shop, dealer, today=TODAY)
    services.update_claim(claim, {
        "failure_date": claim.failure_date, "handed_in_on": claim.handed_in_on,
        "completed_on": claim.completed_on, "parts_waited_from": TODAY - timedelta(days=10),
        "parts_waited_to": TODAY - timedelta(days=9)}, actor=dealer, today=TODAY)
    db.session.commit()
    assert (claim.parts_waited_from, claim.parts_waited_to) == (date(2026, 11, 10),
                                                                date(2026, 11, 11))
    login(dealer)
    page = client.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert 'name="parts_waited_from"' in page and 'value="2026-11-10"' in page
    body = api("GET", f"/claims/{claim.id}", role=Role.DEALER_STAFF).json
    assert (body["parts_waited_from"], body["parts_waited_to"]) == ("2026-11-10", "2026-11-11")
