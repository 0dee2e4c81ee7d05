"""The finance track: readiness, the rep's forwarding and return, finance's audit and reopen."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.claims import services
from portal.claims.models import (
    AttachmentKind,
    Claim,
    ClaimStatus,
    Decision,
    FinanceStage,
    LineKind,
)
from portal.core.audit import AuditEntry
from portal.core.db import shanghai_today, utcnow
from portal.core.errors import DomainError
from portal.core.uploads import StoredFile
from portal.extensions import db
from portal.finance.audit import (
    audit_claim,
    finance_readiness,
    forward_claim,
    readiness_of,
    ready_for_finance,
    reopen_audit,
    return_to_technical,
)
from portal.finance.models import WriteOffNotice
from portal.returns.models import Destination, OwedPart, OwedStatus, Verdict
from portal.returns.owed import record_verdict, waive
from portal.workflow import claims as workflow
from tests import factories
from tests.helpers import QueryCounter, walk_pages

TODAY = shanghai_today()


@pytest.fixture
def login(login, client):
    """Sign in and read the pages in English, so messages are asserted in their source text."""

    def in_english(user):
        login(user)
        client.post("/language", data={"lang": "en"})

    return in_english


@pytest.fixture(autouse=True)
def english():
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


@pytest.fixture
def rep(world):
    return world.users[Role.SALES_REP]


@pytest.fixture
def finance(world):
    return world.users[Role.FINANCE]


# ---------------------------------------------------------------- helpers


def submitted_claim(shop, dealer):
    """Main part 1200.00 (its old part owed), labour 125.00, travel 80.00."""
    failure = TODAY - timedelta(days=10)
    claim = services.create_claim(shop.unit, {
        "failure_date": failure, "handed_in_on": failure,
        "completed_on": failure + timedelta(days=2), "hour_meter": Decimal("300.0"),
        "fault_code_id": shop.fault.id, "description": "变速箱漏油"}, actor=dealer, today=TODAY)
    services.add_line(claim, LineKind.PART, {"part_id": shop.main_part.id, "quantity": 1},
                      actor=dealer)
    services.add_line(claim, LineKind.LABOUR, {"fault_code_id": shop.fault.id}, actor=dealer)
    services.add_line(claim, LineKind.TRAVEL, {"km": 35}, actor=dealer)
    services.attach(claim, AttachmentKind.SIGNATURE,
                    StoredFile("claims/sig.png", "sig.png", "image/png"), actor=dealer)
    workflow.submit(claim, actor=dealer, today=TODAY)
    return claim


def owed_of(claim) -> OwedPart:
    return db.session.scalar(sa.select(OwedPart).where(OwedPart.claim_id == claim.id))


def approved(shop, dealer, tech) -> Claim:
    claim = submitted_claim(shop, dealer)
    workflow.decide(claim, {line.id: {"decision": "approved"} for line in claim.lines},
                    actor=tech)
    return claim


def judged(owed, tech, verdict=Verdict.QUALITY_FAULT, received_on=None):
    owed.status, owed.received_on = OwedStatus.RECEIVED, received_on or owed.due_on
    db.session.flush()
    record_verdict(owed, verdict, actor=tech, today=TODAY, cause="拆检",
                   destination=Destination.REUSABLE)


def ready(shop, dealer, tech) -> Claim:
    """Approved, its old part received in time and judged a quality fault."""
    claim = approved(shop, dealer, tech)
    judged(owed_of(claim), tech)
    return claim


def forwarded(shop, dealer, tech, rep) -> Claim:
    claim = ready(shop, dealer, tech)
    forward_claim(claim, actor=rep, today=TODAY)
    return claim


def amounts(claim, **by_position) -> dict:
    """The approved amount of every line, unless given as ``p<position>=(amount, note)``."""
    wanted = {}
    for line in claim.lines:
        amount, note = by_position.get(f"p{line.position}", (line.approved_amount, ""))
        wanted[line.id] = {"amount": None if amount is None else Decimal(amount), "note": note}
    return wanted


def entries(claim, action):
    return db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.entity_type == "claims", AuditEntry.entity_id == str(claim.id),
        AuditEntry.action == action).order_by(AuditEntry.id)).all()


def ready_ids(*claims) -> set[int]:
    return set(db.session.scalars(sa.select(Claim.id).where(
        Claim.id.in_([c.id for c in claims]), ready_for_finance())))


# ---------------------------------------------------------------- readiness


def test_a_pending_verdict_holds_the_claim_back(shop, dealer, tech):
    claim = approved(shop, dealer, tech)
    reasons = finance_readiness(claim, TODAY)
    assert len(reasons) == 1 and shop.main_part.part_number in reasons[0]
    assert "still to be returned" in reasons[0]
    assert ready_ids(claim) == set()
    owed = owed_of(claim)
    owed.status, owed.received_on = OwedStatus.RECEIVED, TODAY
    assert "waits for the technical verdict" in finance_readiness(claim, TODAY)[0]
    assert "not returned by" in finance_readiness(
        submitted_claim(shop, dealer), owed.due_on + timedelta(days=1))[-1]
    record_verdict(owed, Verdict.QUALITY_FAULT, actor=tech, today=TODAY,
                   destination=Destination.REUSABLE)
    assert finance_readiness(claim, TODAY) == []
    assert ready_ids(claim) == {claim.id}


def test_a_page_of_claims_gets_each_claims_own_reasons_in_the_readers_language(
        shop, dealer, tech):
    """``readiness_of`` (the queue's rows, the reasons' words looked up once) says of each claim
    what ``finance_readiness`` says of it alone, in English and in Chinese."""
    owed, received, decided = (approved(shop, dealer, tech) for _ in range(3))
    for claim in (received, decided):
        part = owed_of(claim)
        part.status, part.received_on = OwedStatus.RECEIVED, TODAY
    record_verdict(owed_of(decided), Verdict.QUALITY_FAULT, actor=tech, today=TODAY,
                   destination=Destination.REUSABLE)
    late = owed_of(owed).due_on + timedelta(days=1)
    claims = [owed, received, decided]
    for locale in ("en", "zh_Hans_CN"):
        with force_locale(locale):
            for day in (TODAY, late):
                assert readiness_of(claims, day) == {
                    c.id: finance_readiness(c, day) for c in claims}
    with force_locale("zh_Hans_CN"):
        assert "%(" not in readiness_of(claims, late)[owed.id][0]
    assert "not returned by" in readiness_of(claims, late)[owed.id][0]
    assert "waits for the technical verdict" in readiness_of(claims, TODAY)[received.id][0]
    assert readiness_of(claims, TODAY)[decided.id] == []


def test_a_waiver_releases_the_claim_but_a_waived_late_arrival_still_needs_its_verdict(
        shop, dealer, tech):
    waived, late = approved(shop, dealer, tech), approved(shop, dealer, tech)
    waive(owed_of(waived), "厂家召回件，无需返回", actor=tech)
    assert finance_readiness(waived, TODAY) == []
    owed = owed_of(late)
    owed.status, owed.received_on = OwedStatus.RECEIVED, owed.due_on + timedelta(days=3)
    waive(owed, "物流延误", actor=tech)
    assert finance_readiness(late, TODAY) != []
    assert ready_ids(waived, late) == {waived.id}


def test_a_sampled_rules_decision_waits_for_its_review(shop, dealer, tech):
    claim = ready(shop, dealer, tech)
    claim.decided_by_rules, claim.sampled = True, True
    db.session.flush()
    assert "drawn for review" in finance_readiness(claim, TODAY)[0]
    assert ready_ids(claim) == set()
    workflow.review_sample(claim, actor=tech, confirm=True)
    assert finance_readiness(claim, TODAY) == []
    assert ready_ids(claim) == {claim.id}


def test_undecided_and_rejected_claims_are_not_ready(shop, dealer, tech):
    open_claim = submitted_claim(shop, dealer)
    assert "not decided" in finance_readiness(open_claim, TODAY)[0]
    rejected = submitted_claim(shop, dealer)
    workflow.decide(rejected, {line.id: {"decision": "rejected", "reject_code": "misuse"}
                               for line in rejected.lines}, actor=tech)
    assert "rejected this claim" in finance_readiness(rejected, TODAY)[0]
    assert ready_ids(open_claim, rejected) == set()


# ---------------------------------------------------------------- the sales rep


def test_the_dealers_rep_forwards_a_ready_claim(shop, dealer, tech, rep):
    claim = ready(shop, dealer, tech)
    forward_claim(claim, actor=rep, today=TODAY)
    assert claim.finance_stage == FinanceStage.FORWARDED
    assert claim.forwarded_by_id == rep.id and claim.forwarded_at is not None
    entry = entries(claim, "forward")[0]
    assert (entry.from_state, entry.to_state, entry.actor_id) == ("approved", "forwarded",
                                                                  rep.id)
    with pytest.raises(DomainError, match="already with finance"):
        forward_claim(claim, actor=rep, today=TODAY)


@pytest.mark.parametrize("who", ["rep_b", "dealer", "admin", "finance"])
def test_nobody_else_forwards(world, shop, dealer, tech, who):
    claim = ready(shop, dealer, tech)
    actor = {"rep_b": world.rep_b, "dealer": dealer, "admin": world.users[Role.ADMIN],
             "finance": world.users[Role.FINANCE]}[who]
    with pytest.raises(DomainError, match="sales rep"):
        forward_claim(claim, actor=actor, today=TODAY)
    assert claim.finance_stage is None


def test_a_claim_not_ready_is_not_forwarded(shop, dealer, tech, rep):
    claim = approved(shop, dealer, tech)
    with pytest.raises(DomainError, match="Not ready for finance"):
        forward_claim(claim, actor=rep, today=TODAY)
    assert claim.finance_stage is None


def test_return_to_technical_keeps_old_parts_and_verdict_zeroed_lines(shop, dealer, tech, rep):
    claim = approved(shop, dealer, tech)
    owed = owed_of(claim)
    judged(owed, tech, Verdict.MISUSE)  # line 1 zeroed by the verdict
    assert claim.status == ClaimStatus.PARTLY_APPROVED
    with pytest.raises(DomainError) as refused:
        return_to_technical(claim, "  ", actor=rep)
    assert refused.value.field == "reason"
    with pytest.raises(DomainError, match="sales rep"):
        return_to_technical(claim, "工时偏高", actor=dealer)
    return_to_technical(claim, "工时偏高，请复核", actor=rep)
    assert claim.status == ClaimStatus.UNDER_REVIEW and claim.total_approved is None
    part, labour, travel = claim.lines
    assert (part.decision, part.approved_amount) == (Decision.REJECTED, Decimal("0.00"))
    assert labour.decision == travel.decision == Decision.PENDING
    assert (owed.status, owed.verdict) == (OwedStatus.RECEIVED, Verdict.MISUSE)
    entry = entries(claim, "return_to_technical")[0]
    assert (entry.from_state, entry.to_state, entry.reason) == (
        "partly_approved", "under_review", "工时偏高，请复核")
    # The technical department decides it again; the rep can then forward it.
    workflow.decide(claim, {line.id: {"decision": "approved"} for line in claim.lines},
                    actor=tech)
    forward_claim(claim, actor=rep, today=TODAY)
    with pytest.raises(DomainError, match="not yet forwarded"):
        return_to_technical(claim, "again", actor=rep)


def test_a_forwarded_claim_escapes_the_after_the_fact_review(shop, dealer, tech, rep):
    claim = ready(shop, dealer, tech)
    claim.decided_by_rules = True  # approved by the rules, not drawn for review
    forward_claim(claim, actor=rep, today=TODAY)
    with pytest.raises(DomainError, match="already with finance"):
        workflow.review_sample(claim, actor=tech, confirm=False, reason="复核")


# ---------------------------------------------------------------- finance


def test_approve_with_an_adjusted_amount_and_its_note(shop, dealer, tech, rep, finance):
    claim = forwarded(shop, dealer, tech, rep)
    labour = claim.lines[1]
    with pytest.raises(DomainError) as refused:
        audit_claim(claim, amounts(claim, p2=("100.00", "")), actor=finance, approve=True)
    assert refused.value.field == f"line-{labour.id}" and "say why" in refused.value.message
    now = datetime(2026, 3, 31, 17, 30, tzinfo=UTC)  # 1 April in Shanghai
    stage = audit_claim(claim, amounts(claim, p2=("100.00", "超出标准工时部分不予核销")),
                        actor=finance, approve=True, now=now)
    assert stage == claim.finance_stage == FinanceStage.APPROVED
    assert (labour.finance_amount, labour.finance_note) == (Decimal("100.00"),
                                                           "超出标准工时部分不予核销")
    assert claim.total_finance == Decimal("1380.00")  # 1200 + 100 + 80
    assert (claim.finance_by_id, claim.finance_at, claim.finance_on) == (
        finance.id, now, date(2026, 4, 1))
    entry = entries(claim, "finance_approve")[0]
    assert (entry.from_state, entry.to_state) == ("forwarded", "approved")
    assert entry.changes["#2"] == ["125.00", "100.00"]
    assert entry.changes["total_finance"] == ["1405.00", "1380.00"]
    with pytest.raises(DomainError, match="already audited"):
        audit_claim(claim, amounts(claim), actor=finance, approve=True)


@pytest.mark.parametrize(("amount", "message"), [
    ("80.01", "between 0 and the approved"), ("-1", "between 0 and the approved"),
    ("10.005", "two decimal places"), (None, "enter the amount")])
def test_amounts_outside_the_approval_are_refused(shop, dealer, tech, rep, finance, amount,
                                                  message):
    claim = forwarded(shop, dealer, tech, rep)
    with pytest.raises(DomainError, match=message) as refused:
        audit_claim(claim, amounts(claim, p3=(amount, "note")), actor=finance, approve=True)
    assert refused.value.field == f"line-{claim.lines[2].id}"


def test_a_line_whose_old_part_blocks_write_off_cannot_be_paid(shop, dealer, tech, rep,
                                                               finance):
    claim = approved(shop, dealer, tech)
    owed = owed_of(claim)
    judged(owed, tech, received_on=owed.due_on + timedelta(days=5))  # late, not waived
    forward_claim(claim, actor=rep, today=TODAY)
    with pytest.raises(DomainError, match="cannot be paid: The old part arrived"):
        audit_claim(claim, amounts(claim), actor=finance, approve=True)
    audit_claim(claim, amounts(claim, p1=("0", "")), actor=finance, approve=True)
    part = claim.lines[0]
    assert part.finance_amount == Decimal("0.00") and "after its return date" in part.finance_note
    assert claim.total_finance == Decimal("205.00")


def test_reject_needs_a_reason_and_pays_nothing(shop, dealer, tech, rep, finance):
    claim = forwarded(shop, dealer, tech, rep)
    with pytest.raises(DomainError) as refused:
        audit_claim(claim, {}, actor=finance, approve=False, reason=" ")
    assert refused.value.field == "reason"
    audit_claim(claim, {}, actor=finance, approve=False, reason="发票抬头不符")
    assert (claim.finance_stage, claim.total_finance, claim.finance_note) == (
        FinanceStage.REJECTED, Decimal("0.00"), "发票抬头不符")
    assert claim.finance_on is not None
    assert {line.finance_amount for line in claim.lines} == {Decimal("0.00")}
    entry = entries(claim, "finance_reject")[0]
    assert (entry.from_state, entry.to_state, entry.reason) == ("forwarded", "rejected",
                                                                "发票抬头不符")


def test_only_finance_audits_a_forwarded_claim_and_not_all_at_zero(world, shop, dealer, tech,
                                                                   rep, finance):
    claim = ready(shop, dealer, tech)
    with pytest.raises(DomainError, match="forwarded"):
        audit_claim(claim, amounts(claim), actor=finance, approve=True)
    forward_claim(claim, actor=rep, today=TODAY)
    for other in (rep, tech, world.users[Role.ADMIN]):
        with pytest.raises(DomainError, match="Only finance"):
            audit_claim(claim, amounts(claim), actor=other, approve=True)
    with pytest.raises(DomainError, match="reject its cost instead"):
        audit_claim(claim, amounts(claim, p1=("0", "x"), p2=("0", "x"), p3=("0", "x")),
                    actor=finance, approve=True)
    assert claim.finance_stage == FinanceStage.FORWARDED


def test_a_technically_rejected_line_is_not_paid(shop, dealer, tech, rep, finance):
    claim = submitted_claim(shop, dealer)
    part, labour, travel = claim.lines
    workflow.decide(claim, {part.id: {"decision": "approved"},
                            labour.id: {"decision": "approved"},
                            travel.id: {"decision": "rejected", "reject_code": "other",
                                        "note": "距离不符"}}, actor=tech)
    judged(owed_of(claim), tech)
    forward_claim(claim, actor=rep, today=TODAY)
    audit_claim(claim, {part.id: {"amount": Decimal("1200.00")},
                        labour.id: {"amount": Decimal("125.00")}}, actor=finance, approve=True)
    assert travel.finance_amount == Decimal("0.00")
    assert claim.total_finance == Decimal("1325.00")


def test_reopen_an_audit_not_in_a_notice(world, shop, dealer, tech, rep, finance):
    claim = forwarded(shop, dealer, tech, rep)
    with pytest.raises(DomainError, match="Only an audited claim"):
        reopen_audit(claim, "x", actor=finance)
    audit_claim(claim, amounts(claim), actor=finance, approve=True)
    with pytest.raises(DomainError) as refused:
        reopen_audit(claim, "", actor=finance)
    assert refused.value.field == "reason"
    reopen_audit(claim, "金额录入错误", actor=finance)
    assert claim.finance_stage == FinanceStage.FORWARDED
    assert claim.total_finance is None and claim.finance_on is None
    assert {line.finance_amount for line in claim.lines} == {None}
    assert entries(claim, "reopen_audit")[0].to_state == "forwarded"
    audit_claim(claim, amounts(claim), actor=finance, approve=True)
    notice = WriteOffNotice(number="HX-2099-0001", year=2099, seq=1, dealer_id=claim.dealer_id,
                            period_start=TODAY, period_end=TODAY, issued_by_id=finance.id)
    db.session.add(notice)
    db.session.flush()
    claim.notice_id = notice.id
    db.session.flush()
    with pytest.raises(DomainError, match="HX-2099-0001"):
        reopen_audit(claim, "再次复核", actor=finance)


# ---------------------------------------------------------------- pages


def test_forward_through_the_claim_page(client, login, world, shop, dealer, tech, rep):
    claim = ready(shop, dealer, tech)
    db.session.commit()
    login(world.rep_b)
    assert client.get(f"/claims/{claim.id}").status_code == 404
    assert client.post(f"/finance/claims/{claim.id}/forward").status_code == 404
    login(dealer)
    assert client.post(f"/finance/claims/{claim.id}/forward").status_code == 403
    page = client.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert "Ready for finance" in page and "Forward to finance" not in page
    login(rep)
    page = client.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert "Forward to finance" in page and "Send back to the technical department" in page
    response = client.post(f"/finance/claims/{claim.id}/forward",
                           data={"version": claim.version})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/claims/{claim.id}")
    db.session.expire_all()
    assert db.session.get(Claim, claim.id).finance_stage == FinanceStage.FORWARDED


def test_return_form_shows_its_error_next_to_the_field(client, login, shop, dealer, tech,
                                                       rep):
    claim = ready(shop, dealer, tech)
    db.session.commit()
    login(rep)
    response = client.post(f"/finance/claims/{claim.id}/return",
                           data={"version": claim.version, "reason": ""})
    assert response.status_code == 422
    assert 'class="field has-error"' in response.get_data(as_text=True)
    response = client.post(f"/finance/claims/{claim.id}/return",
                           data={"version": claim.version, "reason": "照片与故障不符"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Claim, claim.id).status == ClaimStatus.UNDER_REVIEW


def test_audit_through_the_claim_page(client, login, shop, dealer, tech, rep, finance):
    claim = approved(shop, dealer, tech)
    owed = owed_of(claim)
    judged(owed, tech, received_on=owed.due_on + timedelta(days=5))
    forward_claim(claim, actor=rep, today=TODAY)
    db.session.commit()
    part, labour, travel = claim.lines
    login(finance)
    page = client.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert f'name="amount-{part.id}" inputmode="decimal" aria-label="Amount accepted" ' \
           'value="0.00"' in page
    assert "after its return date" in page and "Approve the cost" in page
    data = {"version": claim.version, "approve": "1", f"amount-{part.id}": "0",
            f"amount-{labour.id}": "999", f"amount-{travel.id}": "80.00"}
    response = client.post(f"/finance/claims/{claim.id}/audit", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Line 2: the amount lies between 0 and the approved 125.00." in body
    assert 'value="999"' in body  # what finance typed is shown again
    data[f"amount-{labour.id}"] = "125.00"
    response = client.post(f"/finance/claims/{claim.id}/audit", data=data)
    assert response.status_code == 303
    db.session.expire_all()
    claim = db.session.get(Claim, claim.id)
    assert (claim.finance_stage, claim.total_finance) == (FinanceStage.APPROVED,
                                                          Decimal("205.00"))
    page = client.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert "Cost approved" in page and "Reopen the audit" in page


def test_the_queues_by_role_and_scope(client, login, world, shop, dealer, tech, rep, finance):
    waiting = approved(shop, dealer, tech)
    ready_one = ready(shop, dealer, tech)
    sent = forwarded(shop, dealer, tech, rep)
    db.session.commit()
    login(rep)
    body = client.get("/finance/claims").get_data(as_text=True)
    assert waiting.number in body and ready_one.number in body and sent.number not in body
    assert "still to be returned" in body
    body = client.get("/finance/claims?ready=1&queue=forward",
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert ready_one.number in body and waiting.number not in body and "<h1>" not in body
    assert sent.number in client.get("/finance/claims?queue=forwarded").get_data(as_text=True)
    assert client.get("/finance/claims?queue=audit").get_data(as_text=True).count(
        sent.number) == 0  # a rep has no audit queue: back to its own first queue
    login(world.rep_b)
    body = client.get("/finance/claims").get_data(as_text=True)
    assert ready_one.number not in body
    login(finance)
    body = client.get("/finance/claims").get_data(as_text=True)
    assert sent.number in body and ready_one.number not in body
    assert client.get("/finance/claims?queue=audit&dealer=ZZ").get_data(
        as_text=True).count(sent.number) == 0
    login(world.users[Role.ADMIN])
    body = client.get("/finance/claims").get_data(as_text=True)
    assert "To audit" in body and "To forward to finance" in body
    login(dealer)
    assert client.get("/finance/claims").status_code == 403


def test_a_queue_row_names_the_dealer_unit_model_and_people(client, login, world, shop, dealer,
                                                            tech, rep, finance):
    """The rows are read as plain columns: each still shows what it showed of the records."""
    sent = forwarded(shop, dealer, tech, rep)
    audit_claim(sent, amounts(sent), actor=finance, approve=True)
    db.session.commit()
    login(rep)
    row = client.get("/finance/claims?queue=forwarded").get_data(as_text=True)
    row = row[row.index(sent.number):]
    row = row[:row.index("</tr>")]
    for shown in (world.dealer_a.code, world.dealer_a.name, sent.unit.serial,
                  sent.unit.model.code, rep.display_name, "Cost approved", "Approved"):
        assert shown in row, shown
    login(finance)
    row = client.get("/finance/claims?queue=audited").get_data(as_text=True)
    row = row[row.index(sent.number):]
    assert finance.display_name in row[:row.index("</tr>")]


def test_the_claims_list_shows_the_finance_stage(client, login, shop, dealer, tech, rep):
    forwarded(shop, dealer, tech, rep)
    db.session.commit()
    login(rep)
    assert "With finance" in client.get("/claims/").get_data(as_text=True)


def test_queue_pages_do_not_grow_with_rows(client, login, world, db, shop, rep, finance):
    def add(n):
        for _ in range(n):
            for stage in (None, FinanceStage.FORWARDED, FinanceStage.APPROVED):
                claim = factories.make_claim(
                    shop.unit, status="approved", total_approved=Decimal("80.00"),
                    decided_at=datetime.now(UTC), lines=[
                        {"kind": "travel", "amount": "80.00", "km": 30,
                         "decision": "approved", "approved_amount": "80.00"}])
                factories.make_owed_part(claim, due_on=TODAY + timedelta(days=30))
                if stage:
                    claim.finance_stage, claim.forwarded_by_id = stage, rep.id
                    claim.forwarded_at = datetime.now(UTC)
                if stage == FinanceStage.APPROVED:
                    claim.finance_by_id, claim.finance_at = finance.id, datetime.now(UTC)
                    claim.finance_on, claim.total_finance = TODAY, Decimal("80.00")
        db.session.commit()

    def count(url):
        with QueryCounter(db.engine) as counter:
            assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
        return counter.count

    add(2)
    urls = {world.users[Role.ADMIN]: ["/finance/claims?queue=forward",
                                      "/finance/claims?queue=forwarded",
                                      "/finance/claims?queue=audit",
                                      "/finance/claims?queue=audited"]}
    login(world.users[Role.ADMIN])
    count("/finance/claims")
    few = {url: count(url) for url in urls[world.users[Role.ADMIN]]}
    add(10)
    many = {url: count(url) for url in urls[world.users[Role.ADMIN]]}
    assert many == few


def test_the_forwarded_queue_pages_by_time_without_gaps(client, login, world, shop, rep, app):
    start = datetime(2026, 1, 5, 1, tzinfo=UTC)
    numbers = []
    for n in range(app.config["PAGE_SIZE"] + 4):
        claim = factories.make_claim(shop.unit, status="approved",
                                     total_approved=Decimal("80.00"), lines=[
                                         {"kind": "travel", "amount": "80.00", "km": 30}])
        # Two claims forwarded at the same moment: the id breaks the tie.
        claim.finance_stage, claim.forwarded_by_id = FinanceStage.FORWARDED, rep.id
        claim.forwarded_at = start + timedelta(hours=n // 2)
        numbers.append(claim.number)
    db.session.commit()
    login(rep)
    seen = walk_pages(client, "/finance/claims?queue=forwarded", r"WX-T-\d+")
    assert sorted(seen) == sorted(numbers) and len(seen) == len(set(seen))


def test_the_stored_parts_pending_follows_every_change_of_the_owed_parts(shop, dealer, tech,
                                                                         rep):
    """``Claim.parts_pending`` (what the rep's count of claims ready to forward reads) is set in
    the flush that changes an owed part: the count follows a verdict or a waiver at once."""
    from portal.finance.work import rep_work
    from portal.returns.models import waiting_for_verdict

    def flags_agree():
        db.session.flush()
        stored = dict(db.session.execute(sa.select(Claim.id, Claim.parts_pending)).all())
        waiting = set(db.session.scalars(sa.select(OwedPart.claim_id).where(
            waiting_for_verdict())))
        assert stored == {claim_id: claim_id in waiting for claim_id in stored}

    claim, waived = approved(shop, dealer, tech), approved(shop, dealer, tech)
    back = submitted_claim(shop, dealer)
    flags_agree()
    assert claim.parts_pending and waived.parts_pending and back.parts_pending
    before = rep_work(rep, utcnow())["ready"]
    judged(owed_of(claim), tech)
    assert not claim.parts_pending  # the loaded claim reads the new flag
    assert rep_work(rep, utcnow())["ready"] == before + 1
    waive(owed_of(waived), "厂家召回件，无需返回", actor=tech)
    flags_agree()
    assert rep_work(rep, utcnow())["ready"] == before + 2
    workflow.send_back(back, "照片不清", actor=tech)  # its owed part is cancelled
    flags_agree()
    assert not back.parts_pending
