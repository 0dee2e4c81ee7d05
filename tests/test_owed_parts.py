"""Owed old parts: due dates, the hold on new claims, waivers and verdicts that change claims."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial

import pytest
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.catalog.models import PolicySettings
from portal.claims import services
from portal.claims.checks import Level, run_checks
from portal.claims.models import ClaimStatus, Decision, LineKind, RejectCode
from portal.core.db import shanghai_today
from portal.core.errors import DomainError
from portal.extensions import db
from portal.returns import owed as owed_rules
from portal.returns.models import OwedPart, OwedStatus, StoreItem, Verdict
from portal.returns.shipments import create_shipment
from portal.workflow import claims as workflow
from tests import builders, factories
from tests.builders import sign

TODAY = shanghai_today()
ready_claim = partial(builders.ready_claim, today=TODAY)


@pytest.fixture(autouse=True)
def english():
    with force_locale("en"):
        yield


@pytest.mark.parametrize(("completed", "due"), [
    (date(2026, 1, 1), date(2026, 6, 30)),
    (date(2026, 6, 29), date(2026, 6, 30)),
    (date(2026, 6, 30), date(2026, 12, 31)),  # on the day itself it is too late to ship
    (date(2026, 7, 1), date(2026, 12, 31)),
    (date(2026, 12, 30), date(2026, 12, 31)),
    (date(2026, 12, 31), date(2027, 6, 30)),  # over the year end
])
def test_due_on_the_next_yearly_return_date(completed, due):
    assert owed_rules.due_date(completed, PolicySettings(
        return_date_1_month=6, return_date_1_day=30, return_date_2_month=12,
        return_date_2_day=31)) == due


def test_dates_in_any_order_and_29_february():
    policy = PolicySettings(return_date_1_month=11, return_date_1_day=15,
                            return_date_2_month=2, return_date_2_day=29)
    assert owed_rules.due_date(date(2027, 1, 10), policy) == date(2027, 2, 28)
    assert owed_rules.due_date(date(2028, 1, 10), policy) == date(2028, 2, 29)
    assert owed_rules.due_date(date(2027, 11, 15), policy) == date(2028, 2, 29)


@pytest.fixture
def shop(world):
    return factories.workshop(world.dealer_a)


@pytest.fixture
def dealer(world):
    return world.users[Role.DEALER_STAFF]


@pytest.fixture
def tech(world):
    return world.users[Role.TECHNICAL]


def submitted(shop, dealer, **kwargs):
    claim = ready_claim(shop, dealer, **kwargs)
    workflow.submit(claim, actor=dealer, today=claim.completed_on)
    return claim


def owed_of(claim) -> OwedPart:
    return db.session.query(OwedPart).filter_by(claim_id=claim.id).one()


def test_submission_owes_the_return_required_parts_only(shop, dealer):
    shop.wear_part.return_required = False
    claim = ready_claim(shop, dealer)
    services.add_line(claim, LineKind.PART, {"part_id": shop.wear_part.id, "quantity": 2},
                      actor=dealer)
    workflow.submit(claim, actor=dealer, today=TODAY)
    owed = owed_of(claim)  # the main part only; labour and travel owe nothing
    assert (owed.part_id, owed.status, owed.due_on) == (
        shop.main_part.id, OwedStatus.OWED, owed_rules.due_date(claim.completed_on))


def test_send_back_cancels_and_resubmission_owes_again(world, shop, dealer):
    claim = submitted(shop, dealer)
    workflow.send_back(claim, "补充照片", actor=world.users[Role.SALES_REP])
    assert owed_of(claim).status == OwedStatus.CANCELLED
    workflow.submit(claim, actor=dealer, today=claim.completed_on)
    assert owed_of(claim).status == OwedStatus.OWED
    workflow.send_back(claim, "再补充", actor=world.users[Role.SALES_REP])
    workflow.remove_line(claim, claim.lines[0].id, actor=dealer)  # the cancelled row goes too
    assert db.session.query(OwedPart).filter_by(claim_id=claim.id).count() == 0


def test_long_overdue_parts_hold_new_claims(shop, dealer, tech):
    old = submitted(shop, dealer, failure=TODAY - timedelta(days=80), hours="100")
    owed = owed_of(old)
    policy = PolicySettings.current()
    db.session.add(policy)
    owed.due_on = TODAY - timedelta(days=policy.hold_overdue_days)
    fresh = ready_claim(shop, dealer, hours="900")
    assert [c.level for c in run_checks(fresh, TODAY) if c.code == "held"] == [Level.PASS]
    owed.due_on -= timedelta(days=1)  # one day beyond the grace: held
    held = [c for c in run_checks(fresh, TODAY) if c.code == "held"][0]
    assert held.level == Level.BLOCKING and old.number in held.message
    with pytest.raises(services.ChecksFailed):
        workflow.submit(fresh, actor=dealer, today=TODAY)
    owed_rules.waive(owed, "零件随整机召回处理", actor=tech)
    workflow.submit(fresh, actor=dealer, today=TODAY)
    assert fresh.status == ClaimStatus.SUBMITTED


def test_a_parcel_that_never_arrives_does_not_lift_the_hold(shop, dealer, world):
    """Recording a shipment lifts the hold only while the parcel may still be on its way."""
    old = submitted(shop, dealer, failure=TODAY - timedelta(days=80), hours="100")
    owed = owed_of(old)
    grace = PolicySettings.current().hold_overdue_days
    owed.due_on = TODAY - timedelta(days=grace + 10)
    shipment = create_shipment(world.dealer_a, [owed.id], method="courier", waybill="SF123",
                               shipped_on=TODAY - timedelta(days=grace), actor=dealer,
                               today=TODAY)
    assert owed.status == OwedStatus.SHIPPED
    assert owed_rules.hold_reason(world.dealer_a.id, TODAY) is None  # may still be on its way
    shipment.shipped_on -= timedelta(days=1)  # in transit beyond the grace: lost
    assert old.number in owed_rules.hold_reason(world.dealer_a.id, TODAY)


def test_write_off_blocks_and_the_waiver(shop, dealer, tech, world):
    claim = submitted(shop, dealer)
    owed = owed_of(claim)
    assert "still owed" in owed_rules.write_off_block(owed, owed.due_on)
    assert "had not arrived" in owed_rules.write_off_block(owed, owed.due_on + timedelta(1))
    owed.status, owed.received_on = OwedStatus.RECEIVED, owed.due_on + timedelta(days=3)
    assert "after its return date" in owed_rules.write_off_block(owed, TODAY)
    owed.received_on = owed.due_on
    assert "verdict" in owed_rules.write_off_block(owed, TODAY)
    owed_rules.record_verdict(owed, Verdict.QUALITY_FAULT, actor=tech, today=TODAY,
                              destination="supplier")
    assert owed_rules.write_off_block(owed, TODAY) is None
    other = submitted(factories.workshop(world.dealer_a), dealer)
    missing = owed_of(other)
    with pytest.raises(DomainError):
        owed_rules.waive(missing, "理由", actor=dealer)
    with pytest.raises(DomainError) as refused:
        owed_rules.waive(missing, " ", actor=tech)
    assert refused.value.field == "reason"
    owed_rules.waive(missing, "用户拒绝交回旧件，已核实", actor=tech)
    assert missing.status == OwedStatus.WAIVED
    assert owed_rules.write_off_block(missing, missing.due_on + timedelta(days=90)) is None


def decided(shop, dealer, tech):
    claim = submitted(shop, dealer)
    workflow.decide(claim, {line.id: {"decision": "approved"} for line in claim.lines},
                    actor=tech)
    owed = owed_of(claim)
    owed.status, owed.received_on = OwedStatus.RECEIVED, TODAY
    return claim, owed


def test_a_quality_fault_keeps_the_approval(shop, dealer, tech):
    claim, owed = decided(shop, dealer, tech)
    owed_rules.record_verdict(owed, Verdict.QUALITY_FAULT, actor=tech, today=TODAY,
                              destination="supplier")
    assert claim.status == ClaimStatus.APPROVED and claim.lines[0].approved_amount == Decimal(
        "1200.00")
    assert db.session.query(StoreItem).filter_by(owed_part_id=owed.id).one().store == "supplier"


@pytest.mark.parametrize(("verdict", "code"), [
    (Verdict.MISUSE, RejectCode.MISUSE), (Verdict.NO_DEFECT, RejectCode.NO_DEFECT),
    (Verdict.NOT_WARRANTY_PART, RejectCode.NOT_WARRANTY_PART),
    (Verdict.WRONG_PART, RejectCode.OTHER)])
def test_any_other_verdict_zeroes_the_line(shop, dealer, tech, verdict, code):
    claim, owed = decided(shop, dealer, tech)
    with pytest.raises(DomainError) as refused:
        owed_rules.record_verdict(owed, verdict, actor=tech, today=TODAY, destination="scrap")
    assert refused.value.field == "cause"
    owed_rules.record_verdict(owed, verdict, actor=tech, today=TODAY, destination="scrap",
                              cause="齿轮断齿，系超负荷作业所致")
    line = claim.lines[0]
    assert (line.decision, line.approved_amount, line.reject_code) == (
        Decision.REJECTED, Decimal("0.00"), code)
    assert claim.status == ClaimStatus.PARTLY_APPROVED
    assert claim.total_approved == Decimal("205.00")  # labour 125 + travel 80 stay
    with pytest.raises(DomainError, match="already"):
        owed_rules.record_verdict(owed, Verdict.QUALITY_FAULT, actor=tech, today=TODAY,
                                  destination="scrap")


def test_a_verdict_before_the_decision_is_kept_by_it(shop, dealer, tech, world):
    claim = submitted(shop, dealer)
    owed = owed_of(claim)
    with pytest.raises(DomainError, match="not been received"):
        owed_rules.record_verdict(owed, Verdict.MISUSE, actor=tech, today=TODAY,
                                  destination="scrap", cause="x")
    with pytest.raises(DomainError, match="Only the technical"):
        owed_rules.record_verdict(owed, Verdict.NOT_RECEIVED, actor=world.users[Role.CLERK],
                                  today=TODAY, cause="未寄回")
    owed.due_on = TODAY - timedelta(days=1)  # "not received" only once the date has passed
    owed_rules.record_verdict(owed, Verdict.NOT_RECEIVED, actor=tech, today=TODAY,
                              cause="超过回运期限未寄回")
    part_line, labour, travel = claim.lines
    workflow.decide(claim, {labour.id: {"decision": "approved"},
                            travel.id: {"decision": "approved"}}, actor=tech)
    assert part_line.decision == Decision.REJECTED and claim.status == (
        ClaimStatus.PARTLY_APPROVED)
    assert claim.total_approved == Decimal("205.00")


def test_all_lines_zeroed_rejects_the_claim(world, dealer, tech):
    shop = factories.workshop(world.dealer_a)
    claim = services.create_claim(shop.unit, {
        "failure_date": TODAY - timedelta(days=5), "handed_in_on": TODAY - timedelta(days=5),
        "completed_on": TODAY - timedelta(days=3), "hour_meter": Decimal("300"),
        "description": "x"}, actor=dealer, today=TODAY)
    services.add_line(claim, LineKind.PART, {"part_id": shop.main_part.id, "quantity": 1},
                      actor=dealer)
    sign(claim, dealer)
    workflow.submit(claim, actor=dealer, today=TODAY)
    workflow.decide(claim, {claim.lines[0].id: {"decision": "approved"}}, actor=tech)
    owed = owed_of(claim)
    owed.status, owed.received_on = OwedStatus.RECEIVED, TODAY
    owed_rules.record_verdict(owed, Verdict.NO_DEFECT, actor=tech, today=TODAY,
                              destination="reusable", cause="检测无故障")
    assert claim.status == ClaimStatus.REJECTED and claim.total_approved == Decimal("0.00")


def test_head_office_overdue_list_can_read_the_partial_index_in_due_order(app):
    """Every dealer's overdue parts, oldest first, can come from ix_owed_parts_to_come_due
    walked in order (no sort of every overdue part): SQLite refuses INDEXED BY unless the
    query's terms prove the partial index holds every row asked for, which it only proves from
    literal values."""
    from portal.accounts.roles import WHOLE_VIEW
    from portal.returns.queues import OVERDUE

    now = datetime(2026, 11, 24, 4, tzinfo=UTC)
    plan = _plan_through(OVERDUE.ordered(WHOLE_VIEW, now).limit(10), "ix_owed_parts_to_come_due")
    assert "ix_owed_parts_to_come_due" in plan
    assert "TEMP B-TREE" not in plan


def _plan_through(stmt, index: str) -> str:
    """SQLite's plan for ``stmt`` made to read owed_parts through ``index`` (INDEXED BY fails
    the query unless the index can answer it)."""
    if db.session.get_bind().dialect.name != "sqlite":
        pytest.skip("INDEXED BY is SQLite's")
    compiled = stmt.compile(db.session.get_bind())
    sql = str(compiled).replace("FROM owed_parts", f"FROM owed_parts INDEXED BY {index}", 1)
    params = tuple(compiled.params[name] for name in compiled.positiontup)
    return " ".join(str(row) for row in db.session.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + sql, params))


def test_the_parts_to_judge_are_paged_from_the_index_in_queue_order(app):
    """The judge queue (oldest received first) reads ix_owed_parts_to_judge in its order and
    stops after a page, instead of sorting every part waiting for a verdict."""
    from portal.accounts.roles import WHOLE_VIEW
    from portal.returns.queues import JUDGE

    stmt = JUDGE.ordered(WHOLE_VIEW, datetime(2026, 11, 24, 4, tzinfo=UTC)).limit(10)
    plan = _plan_through(stmt, "ix_owed_parts_to_judge")
    assert "ix_owed_parts_to_judge" in plan
    assert "TEMP B-TREE" not in plan


def test_a_part_not_yet_due_is_information_an_overdue_or_missing_one_blocks(shop, dealer):
    owed = owed_of(submitted(shop, dealer))
    owed.due_on = TODAY + timedelta(days=30)
    assert owed_rules.return_awaited(owed, TODAY) == (
        f"Old part to be returned: send it back by {owed.due_on.isoformat()}.")
    assert "still owed" in owed_rules.write_off_block(owed, TODAY)  # finance still waits
    owed.status = OwedStatus.SHIPPED
    assert owed_rules.return_awaited(owed, TODAY) is not None  # on its way, in time
    owed.status = OwedStatus.MISSING
    assert owed_rules.return_awaited(owed, TODAY) is None
    owed.status, owed.due_on = OwedStatus.OWED, TODAY - timedelta(days=1)
    assert owed_rules.return_awaited(owed, TODAY) is None


def test_a_part_back_in_time_and_waiting_on_head_office_is_information(shop, dealer):
    """On the truck in time, or received in time and not judged yet: head office's turn, so a
    calm word; late, it is a block again (unless the lateness was waived)."""
    owed = owed_of(submitted(shop, dealer))
    owed.due_on = TODAY - timedelta(days=5)
    owed.status, owed.truck_left_on = OwedStatus.SHIPPED, TODAY - timedelta(days=6)
    assert "in time" in owed_rules.return_awaited(owed, TODAY)
    assert "not been received" in owed_rules.write_off_block(owed, TODAY)  # finance still waits
    owed.truck_left_on = None
    owed.status, owed.received_on = OwedStatus.RECEIVED, TODAY - timedelta(days=5)
    assert "verdict" in owed_rules.return_awaited(owed, TODAY)
    owed.received_on = TODAY - timedelta(days=2)  # three days late
    assert owed_rules.return_awaited(owed, TODAY) is None
    assert "after its return date" in owed_rules.write_off_block(owed, TODAY)
    owed.waived_at = datetime(2026, 11, 24, 4, tzinfo=UTC)
    assert "verdict" in owed_rules.return_awaited(owed, TODAY)
    owed.verdict = Verdict.QUALITY_FAULT
    assert owed_rules.return_awaited(owed, TODAY) is None


def _claim_and_part_pages(client, owed) -> list[str]:
    return [client.get(f"/claims/{owed.claim_id}").get_data(as_text=True),
            client.get(f"/returns/parts/{owed.id}").get_data(as_text=True)]


def test_the_dealer_reads_a_calm_word_after_submitting_not_a_red_block(
        client, login, shop, dealer):
    """In Chinese, as the dealer sees it: information with the due date; the red 不能核销 only
    once the part is overdue or missing."""
    owed = owed_of(submitted(shop, dealer))
    owed.due_on = TODAY + timedelta(days=30)
    db.session.flush()
    login(dealer)
    for page in _claim_and_part_pages(client, owed):
        assert f"旧件待返回，应于 {owed.due_on.isoformat()} 前寄回" in page
        assert "不能核销" not in page and 'role="alert"' not in page
    owed.due_on = TODAY - timedelta(days=1)
    db.session.flush()
    for page in _claim_and_part_pages(client, owed):
        assert "旧件待返回" not in page and "不能核销" in page
    owed.due_on, owed.status = TODAY + timedelta(days=30), OwedStatus.MISSING
    db.session.flush()
    for page in _claim_and_part_pages(client, owed):
        assert "旧件待返回" not in page and "不能核销" in page
