"""The buyer's rights never depend on the dealer's paperwork (谁销售谁负责, the 2010 regulation's
第四条 and 第五条): a late or missing card changes who pays, never whether the farmer is covered.
Every place that answers is tried: the coverage rule on the unit, claim lines and their total,
the checks, paid service and its bill, the claim and unit pages, and the API."""

from datetime import timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.claims import services
from portal.claims.bill import bill_lines
from portal.claims.checks import Level, run_checks
from portal.claims.models import ClaimStatus, LineKind
from portal.claims.repairs import clocks_for, coverage_for
from portal.core.db import shanghai_today, utcnow
from portal.core.errors import DomainError
from portal.extensions import db
from portal.units.coverage import Reason
from portal.workflow import claims as workflow
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
def late_shop(world):
    """A workshop whose card was filed 3 days late and not excused."""
    shop = factories.workshop(world.dealer_a)
    shop.card.late_days = 3
    db.session.flush()
    return shop


def ready(shop, dealer):
    return builders.ready_claim(shop, dealer, today=TODAY)


def test_a_late_card_covers_the_buyer_and_does_not_reimburse_the_dealer(late_shop):
    verdict = coverage_for(late_shop.unit, late_shop.main_part, TODAY)
    assert verdict.covered and verdict.reasons == ()
    assert not verdict.reimbursed
    assert verdict.reimbursement_reasons == (Reason.CARD_NOT_RECOGNISED,)


def test_an_excused_card_is_reimbursed(late_shop, world):
    late_shop.card.exception_at, late_shop.card.exception_reason = utcnow(), "邮寄延误"
    verdict = coverage_for(late_shop.unit, None, TODAY)
    assert verdict.covered and verdict.reimbursed and verdict.reimbursement_reasons == ()


def test_a_sale_recorded_but_never_filed_counts_from_its_invoice_date(world):
    shop = factories.workshop(world.dealer_a)
    shop.card.status = "draft"
    shop.card.invoice_date = shop.card.sale_date - timedelta(days=2)
    db.session.flush()
    verdict = coverage_for(shop.unit, None, TODAY)
    assert verdict.covered and not verdict.reimbursed
    assert verdict.reimbursement_reasons == (Reason.NO_CARD,)
    assert verdict.starts_on == shop.card.invoice_date
    assert [clock for clock, _months, _period in clocks_for(shop.unit)] == [
        "whole", "main", "wear"]


def test_with_no_sale_recorded_nothing_dates_the_buyers_rights(world):
    unit = factories.make_unit(dealer=world.dealer_a)
    verdict = coverage_for(unit, None, TODAY)
    assert not verdict.covered and not verdict.reimbursed
    assert verdict.reasons == (Reason.NO_SALE,) and verdict.starts_on is None
    assert clocks_for(unit) == []


def test_claim_lines_carry_both_answers_and_only_reimbursed_lines_are_claimed(late_shop,
                                                                               dealer):
    claim = ready(late_shop, dealer)
    assert all(line.covered and not line.reimbursed for line in claim.lines)
    assert all(line.not_reimbursed == ["card_not_recognised"] for line in claim.lines)
    assert all(line.not_covered == [] for line in claim.lines)
    assert claim.total_claimed == Decimal("0.00")
    late_shop.card.exception_at = utcnow()
    services.update_claim(claim, {"description": "变速箱漏油，已换壳体"}, actor=dealer,
                          today=TODAY)  # any change of the draft judges its lines again
    assert all(line.reimbursed for line in claim.lines)
    assert claim.total_claimed == Decimal("1405.00")


def test_the_checks_say_not_reimbursed_apart_from_not_covered(world, late_shop, dealer):
    checks = run_checks(ready(late_shop, dealer), TODAY)
    card = [c for c in checks if c.code == "card"][0]
    assert card.level == Level.WARNING and "free to the buyer" in card.message
    lines = [c for c in checks if c.code == "not_reimbursed"]
    assert [c.line for c in lines] == [1, 2, 3]
    assert all(c.level == Level.WARNING for c in lines)
    assert lines[0].message.startswith("Covered for the buyer, not reimbursed to the dealer:")
    assert "filed late" in lines[0].message
    assert not [c for c in checks if c.code == "coverage"]
    old = factories.workshop(world.dealer_a, sale_date=TODAY - timedelta(days=800))
    stale = [c for c in run_checks(ready(old, dealer), TODAY) if c.code == "coverage"]
    assert stale and all(c.message.startswith("Not covered:") for c in stale)


def test_a_line_covered_for_the_buyer_never_becomes_paid_service(late_shop, dealer):
    claim = ready(late_shop, dealer)
    for line in claim.lines:
        with pytest.raises(DomainError, match="covered for the buyer"):
            services.set_paid_service(claim, line.id, True, actor=dealer)
    assert not any(line.paid_service for line in claim.lines)


def test_a_covered_line_flagged_paid_is_not_on_the_bill(world):
    unit = factories.make_unit(dealer=world.dealer_a)
    factories.make_card(unit, late_days=5)
    claim = factories.make_claim(unit, lines=[
        {"kind": LineKind.TRAVEL, "km": 35, "amount": Decimal("80.00"), "covered": True,
         "paid_service": True},
        {"kind": LineKind.TRAVEL, "km": 60, "amount": Decimal("150.00"), "covered": False,
         "paid_service": True}])
    bill = bill_lines(claim)
    assert [line.position for line in bill.lines] == [2] and bill.total == Decimal("150.00")


def test_submitting_a_late_card_repair_records_it_without_claiming_it(late_shop, dealer):
    claim = ready(late_shop, dealer)
    workflow.submit(claim, actor=dealer, today=claim.completed_on + timedelta(days=1))
    assert claim.status == ClaimStatus.SUBMITTED and not claim.decided_by_rules
    assert claim.total_claimed == Decimal("0.00")


def test_the_claim_page_shows_the_two_answers(client, login, world, late_shop, dealer):
    claim = ready(late_shop, dealer)
    db.session.commit()
    login(dealer)
    client.post("/language", data={"lang": "en"})
    page = client.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert page.count("Covered for the buyer, not reimbursed to the dealer") >= 3
    assert "Make paid service" not in page


def test_the_unit_page_shows_the_two_answers(client, login, world, late_shop, dealer):
    db.session.commit()
    login(dealer)
    page = client.get(f"/units/{late_shop.unit.id}/coverage",
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'id="coverage-buyer"' in page and 'class="badge ok" id="coverage-buyer"' in page
    assert 'class="badge warn" id="coverage-dealer"' in page


def test_the_api_answers_covered_and_reimbursed(api, world, late_shop, db):
    db.session.commit()
    serial = late_shop.unit.serial
    body = api("GET", f"/units/{serial}/coverage?on={TODAY.isoformat()}",
               role=Role.DEALER_STAFF).json
    assert body["covered"] is True and body["reasons"] == []
    assert body["reimbursed"] is False
    assert body["reimbursement_reasons"] == ["card_not_recognised"]
    late_shop.card.exception_at = utcnow()
    db.session.commit()
    body = api("GET", f"/units/{serial}/coverage?on={TODAY.isoformat()}",
               role=Role.TECHNICAL).json
    assert body["reimbursed"] is True and body["reimbursement_reasons"] == []


def test_the_api_claim_lines_carry_both_answers(api, world, late_shop, db):
    failure = TODAY - timedelta(days=5)
    response = api("POST", "/claims", role=Role.DEALER_STAFF, json={
        "serial": late_shop.unit.serial, "failure_date": failure.isoformat(),
        "handed_in_on": failure.isoformat(), "completed_on": failure.isoformat(),
        "hour_meter": 120, "fault_code": late_shop.fault.code, "description": "漏油",
        "lines": [{"type": "part", "part_no": late_shop.main_part.part_number, "qty": 1}]})
    assert response.status_code == 201, response.json
    line = response.json["lines"][0]
    assert (line["covered"], line["reimbursed"]) == (True, False)
    assert response.json["total"] == "0.00"
    full = api("GET", f"/claims/{response.json['id']}", role=Role.DEALER_STAFF).json
    assert full["lines"][0]["not_reimbursed"] == ["card_not_recognised"]


def test_the_maker_pays_no_line_it_does_not_reimburse(world, late_shop, dealer):
    tech = world.users[Role.TECHNICAL]
    claim = ready(late_shop, dealer)
    workflow.submit(claim, actor=dealer, today=claim.completed_on + timedelta(days=1))
    services.start_review(claim, actor=tech)
    part = claim.lines[0]
    with pytest.raises(DomainError, match="not reimbursed to the dealer") as refused:
        workflow.decide(claim, {line.id: {"decision": "approved"} for line in claim.lines},
                        actor=tech)
    assert refused.value.field == f"line-{part.id}"
    rejected = {line.id: {"decision": "rejected", "reject_code": "no_proof"}
                for line in claim.lines}
    assert workflow.decide(claim, rejected, actor=tech) == ClaimStatus.REJECTED
    assert claim.total_approved == Decimal("0.00")
