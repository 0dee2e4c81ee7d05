"""Repair records as claims: costs from the tables, checks at their boundaries, the workflow."""

import random
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.catalog.models import LabourRate, PolicySettings
from portal.claims import services
from portal.claims.checks import Level, run_checks
from portal.claims.models import (
    Claim,
    ClaimStatus,
    Decision,
    FlagKind,
    LineKind,
    UnitFlag,
)
from portal.claims.repairs import clocks_for, coverage_for
from portal.core.audit import AuditEntry
from portal.core.db import shanghai_today, utcnow
from portal.core.errors import DomainError
from portal.core.versioning import StaleVersion
from portal.dealers.models import DealerGrade
from portal.extensions import db
from portal.service import visit_tallies
from portal.workflow import claims as workflow
from tests import builders, factories
from tests.builders import sign
from tests.helpers import QueryCounter

TODAY = shanghai_today()


@pytest.fixture(autouse=True)
def english():
    """The services' messages are matched in English here."""
    with force_locale("en"):
        yield


@pytest.fixture
def shop(world):
    return factories.workshop(world.dealer_a)


@pytest.fixture
def dealer(world):
    return world.users[Role.DEALER_STAFF]


@pytest.fixture
def tech(world):
    return world.users[Role.TECHNICAL]


open_claim = partial(builders.open_claim, today=TODAY)
ready_claim = partial(builders.ready_claim, today=TODAY)


def by_code(checks, code, line=None):
    return [c for c in checks if c.code == code and (line is None or c.line == line)]


# ---------------------------------------------------------------- costs


def test_line_amounts_come_from_the_tables_in_decimal(shop, dealer):
    claim = ready_claim(shop, dealer)
    part, labour, travel = claim.lines
    assert (part.unit_price, part.amount) == (Decimal("1200.00"), Decimal("1200.00"))
    # Dealer A is grade B: 2.5 standard hours × 50.00.
    assert (labour.hours, labour.hourly_rate, labour.amount) == (
        Decimal("2.50"), Decimal("50.00"), Decimal("125.00"))
    assert travel.amount == Decimal("80.00")
    assert claim.total_claimed == Decimal("1405.00")
    assert all(isinstance(line.amount, Decimal) for line in claim.lines)


def test_mark_up_and_quantity(shop, dealer):
    PolicySettings.current().parts_markup_percent = Decimal("7.5")
    db.session.add(PolicySettings.current())
    claim = open_claim(shop, dealer)
    line = services.add_line(claim, LineKind.PART, {"part_id": shop.wear_part.id, "quantity": 3},
                             actor=dealer)
    # 35.50 × 1.075 = 38.1625 → 38.16 a piece; × 3.
    assert (line.unit_price, line.amount) == (Decimal("38.16"), Decimal("114.48"))


def test_labour_above_standard_needs_a_reason(shop, dealer):
    claim = open_claim(shop, dealer)
    with pytest.raises(DomainError) as refused:
        services.add_line(claim, LineKind.LABOUR,
                          {"fault_code_id": shop.fault.id, "hours": Decimal("2.51")}, actor=dealer)
    assert refused.value.field == "reason"
    line = services.add_line(claim, LineKind.LABOUR, {
        "fault_code_id": shop.fault.id, "hours": Decimal("4"), "reason": "锈死拆不下"},
        actor=dealer)
    assert line.amount == Decimal("200.00")
    checks = run_checks(claim, TODAY)
    assert by_code(checks, "labour")[0].level == Level.WARNING


@pytest.mark.parametrize(("km", "fee"), [(0, "0.00"), (19, "0.00"), (20, "80.00"),
                                         (49, "80.00"), (50, "150.00"), (900, "150.00")])
def test_travel_band_boundaries(shop, dealer, km, fee):
    claim = open_claim(shop, dealer)
    line = services.add_line(claim, LineKind.TRAVEL, {"km": km}, actor=dealer)
    assert line.amount == Decimal(fee)


def test_one_travel_line_and_other_costs_need_a_reason(shop, dealer):
    claim = open_claim(shop, dealer)
    services.add_line(claim, LineKind.TRAVEL, {"km": 5}, actor=dealer)
    with pytest.raises(DomainError, match="one travel line"):
        services.add_line(claim, LineKind.TRAVEL, {"km": 60}, actor=dealer)
    with pytest.raises(DomainError) as refused:
        services.add_line(claim, LineKind.OTHER, {"amount": Decimal("20"), "reason": " "},
                          actor=dealer)
    assert refused.value.field == "reason"
    with pytest.raises(DomainError):
        services.add_line(claim, LineKind.OTHER, {"amount": Decimal("0.001"), "reason": "x"},
                          actor=dealer)


def test_a_part_that_does_not_fit_the_model_is_refused(shop, dealer):
    claim = open_claim(shop, dealer)
    with pytest.raises(DomainError) as refused:
        services.add_line(claim, LineKind.PART,
                          {"part_id": shop.other_model_part.id, "quantity": 1}, actor=dealer)
    assert refused.value.field == "part_id"


# ---------------------------------------------------------------- checks at their boundaries


def test_no_signature_no_submission(shop, dealer):
    claim = open_claim(shop, dealer)
    services.add_line(claim, LineKind.PART, {"part_id": shop.main_part.id, "quantity": 1},
                      actor=dealer)
    assert by_code(run_checks(claim, TODAY), "signature")[0].level == Level.BLOCKING
    with pytest.raises(services.ChecksFailed) as refused:
        workflow.submit(claim, actor=dealer, today=TODAY)
    assert [c.code for c in refused.value.checks] == ["signature"]
    assert claim.status == ClaimStatus.DRAFT


def test_a_clean_claim_passes_every_check(shop, dealer):
    checks = run_checks(ready_claim(shop, dealer), TODAY)
    assert all(c.level == Level.PASS for c in checks), [c for c in checks if c.level != "pass"]


@pytest.mark.parametrize(("days_after", "level"), [(30, Level.PASS), (31, Level.BLOCKING)])
def test_filed_late_after_completion(shop, dealer, days_after, level):
    completed = TODAY - timedelta(days=days_after)
    claim = ready_claim(shop, dealer, failure=completed - timedelta(days=2), completed=completed)
    assert by_code(run_checks(claim, TODAY), "filed_late")[0].level == level


@pytest.mark.parametrize(("offset", "level"), [(0, Level.PASS), (-1, Level.BLOCKING)])
def test_failure_before_the_sale(shop, dealer, offset, level):
    failure = shop.card.sale_date + timedelta(days=offset)
    claim = ready_claim(shop, dealer, failure=failure, completed=failure + timedelta(days=1))
    assert by_code(run_checks(claim, TODAY), "before_sale")[0].level == level


def submitted(shop, dealer, **kwargs):
    claim = ready_claim(shop, dealer, **kwargs)
    workflow.submit(claim, actor=dealer, today=claim.completed_on + timedelta(days=1))
    return claim


@pytest.mark.parametrize(("gap", "level"), [(30, Level.WARNING), (31, Level.PASS)])
def test_same_part_within_the_duplicate_window(shop, dealer, gap, level):
    first_failure = TODAY - timedelta(days=45)
    submitted(shop, dealer, failure=first_failure, hours="100")
    second = ready_claim(shop, dealer, failure=first_failure + timedelta(days=gap), hours="200")
    part_line = second.lines[0].position
    assert by_code(run_checks(second, TODAY), "duplicate", part_line)[0].level == level


def test_several_records_on_one_day_and_hour_meter_going_backwards(shop, dealer):
    failure = TODAY - timedelta(days=10)
    submitted(shop, dealer, failure=failure, hours="500")
    same_reading = ready_claim(shop, dealer, failure=failure, hours="500")
    checks = run_checks(same_reading, TODAY)
    assert by_code(checks, "same_day")[0].level == Level.WARNING
    assert by_code(checks, "hour_meter")[0].level == Level.PASS
    services.update_claim(same_reading, {"hour_meter": Decimal("499.9")}, actor=dealer,
                          today=TODAY)
    assert by_code(run_checks(same_reading, TODAY), "hour_meter")[0].level == Level.BLOCKING


def test_card_late_warns_and_no_sale_blocks(world, dealer):
    shop = factories.workshop(world.dealer_a)
    shop.card.late_days = 3
    claim = ready_claim(shop, dealer)
    check = by_code(run_checks(claim, TODAY), "card")[0]
    assert check.level == Level.WARNING and "3" in check.message
    # The card is not recognised: free to the buyer, not reimbursed to the dealer.
    assert claim.lines[0].covered and not claim.lines[0].reimbursed
    shop.card.status = "void"  # no card in force: no sale recorded
    db.session.flush()
    db.session.expire(shop.unit)
    assert by_code(run_checks(claim, TODAY), "card")[0].level == Level.BLOCKING


def test_part_not_fitting_is_blocking_even_if_it_slipped_in(shop, dealer):
    claim = ready_claim(shop, dealer)
    claim.lines[0].part = shop.other_model_part
    db.session.flush()
    check = by_code(run_checks(claim, TODAY), "part_fit")[0]
    assert check.level == Level.BLOCKING and check.line == 1


def test_checks_read_other_claims_and_fit_in_statements_that_do_not_grow_with_lines(shop, dealer):
    """The unit's other claims (with the parts they replaced) and the parts' fit are read in a
    fixed number of statements, however many part lines; each line still gets its answer."""
    failure = TODAY - timedelta(days=45)
    submitted(shop, dealer, failure=failure, hours="100")  # the main part, labour, travel
    claim = ready_claim(shop, dealer, failure=failure + timedelta(days=10), hours="200")
    def counted():
        run_checks(claim, TODAY)  # what the record loads on first use is not counted
        for line in claim.lines:  # nor is a part's models list read: one query for all
            if line.part is not None:
                db.session.expire(line.part, ["models"])
        with QueryCounter(db.engine) as counter:
            return run_checks(claim, TODAY), counter.count

    _, one_part = counted()
    wear = services.add_line(claim, LineKind.PART, {"part_id": shop.wear_part.id, "quantity": 2},
                             actor=dealer)
    wear_line = wear.position
    checks, two_parts = counted()
    assert two_parts == one_part
    assert by_code(checks, "duplicate", 1)[0].level == Level.WARNING  # claimed 10 days ago
    assert by_code(checks, "duplicate", wear_line)[0].level == Level.PASS
    assert not by_code(checks, "part_fit")
    wear.part = shop.other_model_part  # slipped in past the form
    db.session.flush()
    assert [c.line for c in by_code(run_checks(claim, TODAY), "part_fit")] == [wear_line]


def test_running_in_is_a_warning(shop, dealer):
    claim = ready_claim(shop, dealer, hours="50")  # the model's running-in is 50 h
    assert by_code(run_checks(claim, TODAY), "running_in")[0].level == Level.WARNING


# ---------------------------------------------------------------- paid service


def test_paid_service_only_for_uncovered_table_lines(world, dealer):
    shop = factories.workshop(world.dealer_a, sale_date=TODAY - timedelta(days=800))
    claim = ready_claim(shop, dealer)  # the whole machine and main parts are out of period
    part, labour, travel = claim.lines
    assert not part.covered and part.not_covered == ["out_of_period"]
    services.set_paid_service(claim, part.id, True, actor=dealer)
    services.set_paid_service(claim, labour.id, True, actor=dealer)
    assert not travel.covered and not travel.paid_service
    assert claim.total_claimed == Decimal("0.00")  # only reimbursed lines are claimed
    other = services.add_line(claim, LineKind.OTHER, {"amount": Decimal("10"), "reason": "油"},
                              actor=dealer)
    with pytest.raises(DomainError, match="cannot be billed"):
        services.set_paid_service(claim, other.id, True, actor=dealer)
    covered_shop = factories.workshop(world.dealer_a)
    covered = ready_claim(covered_shop, dealer)
    with pytest.raises(DomainError, match="covered for the buyer"):
        services.set_paid_service(covered, covered.lines[0].id, True, actor=dealer)


# ---------------------------------------------------------------- workflow


def test_decide_line_by_line(shop, dealer, tech):
    claim = submitted(shop, dealer)
    services.start_review(claim, actor=tech)
    part, labour, travel = claim.lines
    status = workflow.decide(claim, {
        part.id: {"decision": "approved"},
        labour.id: {"decision": "reduced", "amount": Decimal("100.00"), "note": "标准工时内"},
        travel.id: {"decision": "rejected", "reject_code": "no_defect"}}, actor=tech)
    assert status == ClaimStatus.PARTLY_APPROVED
    assert claim.total_approved == Decimal("1300.00")
    assert claim.return_visit is not None  # completing the repair opened the call-back task
    assert [line.decision for line in claim.lines] == [Decision.APPROVED, Decision.REDUCED,
                                                       Decision.REJECTED]
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "decide")).one()
    assert (entry.from_state, entry.to_state) == ("under_review", "partly_approved")


def test_decisions_are_checked(shop, dealer, tech):
    claim = submitted(shop, dealer)
    part, labour, travel = claim.lines
    approve = {"decision": "approved"}
    for wanted, message in [
        ({part.id: approve, labour.id: approve}, "Decide line 3"),
        ({part.id: approve, labour.id: approve,
          travel.id: {"decision": "reduced", "amount": Decimal("80.00"), "note": "x"}}, "between"),
        ({part.id: approve, labour.id: approve,
          travel.id: {"decision": "reduced", "amount": Decimal("50"), "note": ""}}, "why"),
        ({part.id: approve, labour.id: approve, travel.id: {"decision": "rejected"}}, "reason"),
    ]:
        with pytest.raises(DomainError, match=message):
            workflow.decide(claim, wanted, actor=tech)


def test_all_rejected_is_rejected_and_no_extension(shop, dealer, tech):
    claim = submitted(shop, dealer)
    workflow.decide(claim, {line.id: {"decision": "rejected", "reject_code": "misuse"}
                            for line in claim.lines}, actor=tech)
    assert claim.status == ClaimStatus.REJECTED and claim.total_approved == Decimal("0.00")
    assert visit_tallies.drift() == {}  # no longer counted as a warranty repair


def test_who_may_decide(world, shop, dealer, tech):
    claim = submitted(shop, dealer)
    for actor in (dealer, world.users[Role.SALES_REP], world.users[Role.FINANCE],
                  world.users[Role.ADMIN]):
        with pytest.raises(DomainError, match="Only the technical department"):
            workflow.decide(claim, {}, actor=actor)
    claim.submitted_by_id = tech.id  # whoever filed a claim cannot decide it
    with pytest.raises(DomainError, match="cannot decide"):
        services.start_review(claim, actor=tech)


def test_only_the_claims_dealer_edits_and_submits_drafts(world, shop, dealer):
    claim = ready_claim(shop, dealer)
    for actor in (world.dealer_b_admin, world.users[Role.CLERK], world.users[Role.TECHNICAL]):
        with pytest.raises(DomainError):
            workflow.submit(claim, actor=actor, today=TODAY)
        with pytest.raises(DomainError):
            services.add_line(claim, LineKind.TRAVEL, {"km": 1}, actor=actor)
    workflow.submit(claim, actor=world.users[Role.DEALER_ADMIN], today=TODAY)
    with pytest.raises(DomainError, match="Only a draft"):
        services.add_line(claim, LineKind.OTHER, {"amount": Decimal(1), "reason": "x"},
                          actor=dealer)
    with pytest.raises(DomainError, match="Only a draft"):
        workflow.submit(claim, actor=dealer, today=TODAY)


def test_send_back_returns_to_draft_and_keeps_history(world, shop, dealer, tech):
    claim = submitted(shop, dealer)
    with pytest.raises(DomainError) as refused:
        workflow.send_back(claim, " ", actor=tech)
    assert refused.value.field == "reason"
    with pytest.raises(DomainError):
        workflow.send_back(claim, "补照片", actor=dealer)
    assert visit_tallies.drift() == {}  # the submission counted the repair
    workflow.send_back(claim, "请补充故障照片", actor=world.users[Role.SALES_REP])
    assert claim.status == ClaimStatus.DRAFT and claim.submitted_at is None
    assert visit_tallies.drift() == {}  # the draft no longer counts
    actions = [e.action for e in db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.entity_type == "claims",
                                    AuditEntry.entity_id == str(claim.id))
        .order_by(AuditEntry.id))]
    assert actions[0] == "create" and actions[-2:] == ["submit", "send_back"]
    workflow.submit(claim, actor=dealer, today=TODAY)  # fixed and filed again
    assert claim.status == ClaimStatus.SUBMITTED
    assert visit_tallies.drift() == {}


def test_a_stale_version_is_told_it_changed(shop, dealer, tech):
    claim = submitted(shop, dealer)
    seen = claim.version
    services.start_review(claim, actor=tech, version=seen)
    db.session.flush()
    with pytest.raises(StaleVersion):
        workflow.decide(claim, {line.id: {"decision": "approved"} for line in claim.lines},
                        actor=tech, version=seen)


# ---------------------------------------------------------------- decided by rules


@pytest.fixture
def rules():
    policy = PolicySettings.current()
    policy.auto_approve, policy.auto_max_total, policy.auto_sample_percent = (
        True, Decimal("1405.00"), 50)
    db.session.add(policy)
    db.session.flush()
    return policy


class Draw(random.Random):
    """A sampler that always draws the given number."""

    def __init__(self, value):
        super().__init__()
        self.value = value

    def randrange(self, *args):
        return self.value


def test_a_clean_claim_is_approved_by_the_rules(shop, dealer, rules):
    claim = ready_claim(shop, dealer)
    workflow.submit(claim, actor=dealer, today=TODAY, rng=Draw(49))
    assert claim.status == ClaimStatus.APPROVED and claim.decided_by_rules and claim.sampled
    assert claim.total_approved == Decimal("1405.00")
    entry = db.session.scalars(sa.select(AuditEntry)
                               .where(AuditEntry.action == "decide_by_rules")).one()
    assert entry.actor_id is None and entry.actor_name == "system"
    other = ready_claim(factories.workshop(shop.unit.dealer), dealer)
    workflow.submit(other, actor=dealer, today=TODAY, rng=Draw(50))
    assert other.status == ClaimStatus.APPROVED and not other.sampled


@pytest.mark.parametrize("spoil", ["total", "watched_part", "watched_fault", "warning",
                                   "standing", "off"])
def test_rules_leave_other_claims_to_a_person(world, shop, dealer, rules, tech, spoil):
    claim = ready_claim(shop, dealer)
    if spoil == "total":
        rules.auto_max_total = Decimal("1404.99")
    elif spoil == "watched_part":
        shop.main_part.watched = True
    elif spoil == "watched_fault":
        shop.fault.watched = True
    elif spoil == "warning":
        services.update_claim(claim, {"hour_meter": Decimal("10")}, actor=dealer, today=TODAY)
    elif spoil == "standing":
        rejected = factories.make_claim(shop.unit, status="rejected", created_by=dealer)
        rejected.decided_at = utcnow() - timedelta(days=89)
    else:
        rules.auto_approve = False
    db.session.flush()
    workflow.submit(claim, actor=dealer, today=TODAY, rng=Draw(0))
    assert claim.status == ClaimStatus.SUBMITTED and not claim.decided_by_rules


def test_a_sampled_rules_decision_can_be_reversed(shop, dealer, tech, rules):
    claim = ready_claim(shop, dealer)
    workflow.submit(claim, actor=dealer, today=TODAY, rng=Draw(0))
    with pytest.raises(DomainError):
        workflow.review_sample(claim, actor=tech, confirm=False, reason="")
    workflow.review_sample(claim, actor=tech, confirm=False, reason="照片不清楚")
    assert claim.status == ClaimStatus.UNDER_REVIEW and claim.total_approved is None
    assert all(line.decision == Decision.PENDING for line in claim.lines)
    workflow.decide(claim, {line.id: {"decision": "approved"} for line in claim.lines},
                    actor=tech)
    assert claim.status == ClaimStatus.APPROVED and not claim.decided_by_rules


# ---------------------------------------------------------------- clocks and entitlements


def test_a_repair_extends_the_clocks_then_coverage_follows(world, dealer, tech):
    sale = TODAY - timedelta(days=370)
    shop = factories.workshop(world.dealer_a, sale_date=sale)
    whole_end = clocks_for(shop.unit)[0][2].ends_on
    assert whole_end < TODAY
    just_after = whole_end + timedelta(days=1)
    assert not coverage_for(shop.unit, None, just_after).covered
    # A main-part repair inside the period, 12 days in the workshop.
    failure = sale + timedelta(days=200)
    claim = ready_claim(shop, dealer, failure=failure, completed=failure + timedelta(days=12))
    claim.completed_on = TODAY - timedelta(days=5)  # filed in time: completed lately
    claim.handed_in_on = claim.completed_on - timedelta(days=12)
    workflow.submit(claim, actor=dealer, today=TODAY)
    db.session.flush()
    extended = clocks_for(shop.unit)[0][2]
    assert extended.extension_days == 12
    verdict = coverage_for(shop.unit, None, just_after)
    assert verdict.covered and verdict.extension_days == 12
    workflow.decide(claim, {line.id: {"decision": "rejected", "reject_code": "misuse"}
                            for line in claim.lines}, actor=tech)
    db.session.flush()
    assert not coverage_for(shop.unit, None, just_after).covered


def test_a_wear_part_twice_raises_nothing(shop, dealer):
    for n, days in enumerate((40, 10)):
        claim = open_claim(shop, dealer, failure=TODAY - timedelta(days=days),
                           hours=str(100 * (n + 1)))
        services.add_line(claim, LineKind.PART, {"part_id": shop.wear_part.id, "quantity": 1},
                          actor=dealer)
        sign(claim, dealer)
        workflow.submit(claim, actor=dealer, today=claim.completed_on)
    assert not db.session.scalars(sa.select(UnitFlag)).all()


@pytest.mark.parametrize(("end", "flagged"), [(date(2025, 4, 7), False),
                                              (date(2025, 4, 8), True)])
def test_a_repair_over_30_working_days_flags_an_exchange(world, dealer, end, flagged):
    # Handed in on Friday 2025-02-21: the Qingming holiday (4–6 April) makes Monday 7 April
    # the 30th working day after it, so completing on the 8th takes 31.
    shop = factories.workshop(world.dealer_a, sale_date=date(2025, 1, 10))
    claim = ready_claim(shop, dealer, failure=date(2025, 2, 20), handed_in=date(2025, 2, 21),
                        completed=end)
    workflow.submit(claim, actor=dealer, today=end + timedelta(days=3))
    kinds = [f.kind for f in db.session.scalars(sa.select(UnitFlag))]
    assert (FlagKind.EXCHANGE in kinds) is flagged


def test_rates_follow_the_dealer_grade(world, dealer):
    world.dealer_a.grade = DealerGrade.A
    shop = factories.workshop(world.dealer_a)
    claim = open_claim(shop, dealer)
    line = services.add_line(claim, LineKind.LABOUR, {"fault_code_id": shop.fault.id},
                             actor=dealer)
    assert line.hourly_rate == db.session.get(LabourRate, DealerGrade.A).hourly_rate
    assert line.amount == Decimal("150.00")


def test_numbers_follow_each_other_in_the_year_of_creation(shop, dealer):
    claim = open_claim(shop, dealer)
    year = TODAY.year  # the business day it was opened on
    seq = int(claim.number.removeprefix(f"WX{year}"))
    assert claim.number == f"WX{year}{seq:07d}"
    assert open_claim(shop, dealer).number == f"WX{year}{seq + 1:07d}"
    assert db.session.get(Claim, claim.id).status == ClaimStatus.DRAFT
