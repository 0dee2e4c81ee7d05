"""Finance's settlement of an exchange or refund case: approved (the figures kept as approved)
or refused, only once the case is completed and its failed machine is back at the factory; the
queue of settlements to approve; the form on the case page; the API call."""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.cases.finance import SETTLE, WrongState, settle_case
from portal.cases.models import SanbaoCase
from portal.catalog.models import DiscountRate
from portal.core.audit import AuditEntry
from portal.core.errors import DomainError
from portal.core.versioning import StaleVersion
from portal.finance.models import CaseSettlement, SettlementStatus
from tests import factories
from tests.case_builders import at, completed_case, discount_standard

DAY = date(2026, 11, 20)  # 6 whole months after the sale: 90 %


@pytest.fixture(autouse=True)
def english(app):
    with force_locale("en"):
        yield


@pytest.fixture
def standard(db):
    discount_standard()


def _finance(world):
    return world.users[Role.FINANCE]


def test_approval_keeps_the_figures_as_approved(world, standard, db):
    case = completed_case(world, "refund", DAY)
    before = case.version
    settlement = settle_case(case, True, actor=_finance(world), version=before, now=at(DAY))
    db.session.flush()
    assert settlement.status == SettlementStatus.APPROVED
    assert settlement.amount == Decimal("72000.00")  # 80 000 × 90 %
    assert (settlement.months_in_use, settlement.rate) == (6, Decimal("90.00"))
    [line] = settlement.lines
    assert line["key"] == "return_credit" and line["amount"] == "72000.00"
    assert "90" in line["arithmetic"] and "80,000.00" in line["arithmetic"]
    assert settlement.settled_on == DAY and settlement.decided_by_id == _finance(world).id
    assert case.version == before + 1  # a second decision opened before this one is stale
    # A later price or rate change does not alter what finance approved.
    case.unit.model.dealer_price = Decimal("99999.00")
    for rate in db.session.scalars(sa.select(DiscountRate)):
        rate.rate = Decimal("50")
    db.session.flush()
    db.session.expire_all()
    kept = db.session.get(CaseSettlement, case.id)
    assert kept.amount == Decimal("72000.00") and kept.lines[0]["amount"] == "72000.00"
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "approve_settlement")).one()
    assert entry.entity_id == str(case.id)


def test_the_lines_are_kept_in_the_default_language(world, standard, db):
    case = completed_case(world, "refund", DAY)
    settlement = settle_case(case, True, actor=_finance(world), now=at(DAY))
    assert "退货折扣" in settlement.lines[0]["label"]
    assert "个月" in settlement.lines[0]["arithmetic"] or "月" in settlement.lines[0]["arithmetic"]


def test_refusal_needs_the_reason_and_pays_nothing(world, standard, db):
    case = completed_case(world, "refund", DAY)
    with pytest.raises(DomainError) as refused:
        settle_case(case, False, "  ", actor=_finance(world), now=at(DAY))
    assert refused.value.field == "reason"
    settlement = settle_case(case, False, "鉴定为使用不当", actor=_finance(world), now=at(DAY))
    assert settlement.status == SettlementStatus.REFUSED
    assert settlement.amount == Decimal("0.00") and settlement.lines == []


def test_not_before_the_machine_is_back_nor_twice(world, standard, db):
    case = completed_case(world, "refund", DAY, received=False)
    with pytest.raises(WrongState, match="back at the factory"):
        settle_case(case, True, actor=_finance(world), now=at(DAY))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseSettlement)) == 0
    case = completed_case(world, "refund", DAY)
    settle_case(case, True, actor=_finance(world), now=at(DAY))
    db.session.flush()
    with pytest.raises(WrongState, match="already decided"):
        settle_case(case, False, "再来", actor=_finance(world), now=at(DAY))


def test_a_settlement_that_cannot_be_worked_out_is_refused_with_its_message(world, db):
    case = completed_case(world, "refund", DAY)  # no discount standard at all
    with pytest.raises(DomainError, match="discount standard has no rate"):
        settle_case(case, True, actor=_finance(world), now=at(DAY))
    assert case.settlement is None


def test_only_finance_and_only_at_the_version_seen(world, standard, db):
    case = completed_case(world, "refund", DAY)
    for role in (Role.CLERK, Role.TECHNICAL, Role.DEALER_ADMIN, Role.ADMIN):
        with pytest.raises(DomainError, match="Only finance"):
            settle_case(case, True, actor=world.users[role], now=at(DAY))
    with pytest.raises(StaleVersion):
        settle_case(case, True, actor=_finance(world), version=case.version - 1, now=at(DAY))


def test_the_queue_holds_received_cases_without_a_settlement(world, standard, db):
    waiting = completed_case(world, "refund", DAY)
    completed_case(world, "refund", DAY, received=False)
    decided = completed_case(world, "refund", DAY)
    settle_case(decided, True, actor=_finance(world), now=at(DAY))
    db.session.flush()
    found = db.session.scalars(SETTLE.ordered(_finance(world), at(DAY))).all()
    assert found == [waiting]
    pile = SETTLE.pile(_finance(world), at(DAY))
    assert (pile.count, pile.oldest) == (1, DAY)
    assert not SETTLE.held_by(world.users[Role.CLERK])


def test_finance_approves_on_the_case_page(world, standard, db, client, login):
    case = completed_case(world, "refund", DAY)
    db.session.commit()
    login(_finance(world))
    listed = client.get("/finance/case-settlements")
    assert f"/cases/{case.id}#case-finance" in listed.text
    page = client.get(f"/cases/{case.id}")
    assert "72,000.00" in page.text and 'name="decision"' in page.text
    refused = client.post(f"/finance/case-settlements/{case.id}", data={
        "decision": "refuse", "reason": "", "version": case.version})
    assert refused.status_code == 422 and "请说明厂家对该案件不予结算的原因" in refused.text
    done = client.post(f"/finance/case-settlements/{case.id}", data={
        "decision": "approve", "reason": "", "version": case.version})
    assert done.status_code == 303
    assert db.session.get(CaseSettlement, case.id).amount == Decimal("72000.00")
    assert f"/cases/{case.id}#case-finance" not in client.get("/finance/case-settlements").text
    login(world.users[Role.DEALER_ADMIN])
    seen = client.get(f"/cases/{case.id}")
    assert "72,000.00" in seen.text and 'name="decision"' not in seen.text
    assert client.post(f"/finance/case-settlements/{case.id}", data={}).status_code == 403
    login(world.dealer_b_admin)
    assert client.get(f"/cases/{case.id}").status_code == 404


def test_settle_through_the_api(world, standard, db, api):
    case = completed_case(world, "refund", DAY)
    early = completed_case(world, "refund", DAY, received=False)
    db.session.commit()
    path = f"/sanbao-cases/{case.id}/settle"
    assert api("POST", path, Role.CLERK, json={"approve": True}).status_code == 403
    no_reason = api("POST", path, Role.FINANCE, json={"approve": False})
    assert no_reason.status_code == 422 and no_reason.json["field"] == "reason"
    assert api("POST", f"/sanbao-cases/{early.id}/settle", Role.FINANCE,
               json={"approve": True}).status_code == 409
    stale = api("POST", path, Role.FINANCE, json={"approve": True, "version": case.version - 1})
    assert stale.status_code == 409
    done = api("POST", path, Role.FINANCE, json={"approve": True, "version": case.version})
    assert done.status_code == 200, done.json
    assert done.json["finance_settlement"]["status"] == "approved"
    assert done.json["finance_settlement"]["amount"] == "72000.00"
    assert api("POST", path, Role.FINANCE, json={"approve": True}).status_code == 409
    read = api("GET", f"/sanbao-cases/{case.id}", Role.DEALER_ADMIN).json
    assert read["finance_settlement"]["lines"][0]["key"] == "return_credit"
    assert api("GET", f"/sanbao-cases/{early.id}", Role.FINANCE).json["finance_settlement"] is None
    assert db.session.get(SanbaoCase, case.id).settlement.amount == Decimal("72000.00")


def test_the_spec_names_the_call(api):
    spec = api("GET", "/openapi.json", None).json
    assert "post" in spec["paths"]["/sanbao-cases/{case_id}/settle"]


def test_a_dealer_without_a_price_cannot_be_settled(world, standard, db):
    model = factories.make_model()  # no dealer price
    case = completed_case(world, "refund", DAY)
    case.unit.model = model
    with pytest.raises(DomainError, match="no dealer price"):
        settle_case(case, True, actor=_finance(world), now=at(DAY))
