"""Exchange and refund cases (包换 / 包退): opening (from an entitlement, the buyer's request,
his early-days choice), the technical decision, completion (the card moves to the replacement
and its clocks restart; the refund's arithmetic), the failed machine back to the factory, the
pages and their scoping."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.cases import rules, services
from portal.cases.models import CaseKind, CaseOrigin, CaseStatus, SanbaoCase
from portal.claims.models import FlagKind, UnitFlag
from portal.claims.repairs import clocks_for, coverage_for
from portal.core.audit import AuditEntry
from portal.core.errors import DomainError
from portal.core.versioning import LATEST
from portal.units.cards import CardStatus
from tests import factories

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)
SOLD = date(2026, 5, 1)


@pytest.fixture(autouse=True)
def english(app):
    """Messages are asserted in their source text."""
    with force_locale("en"):
        yield


@pytest.fixture
def sold(world):
    """A tractor of dealer A sold to 张三 on 1 May 2026, and an unsold one of the same model."""
    model = factories.make_model()
    unit = factories.make_unit(model=model, dealer=world.dealer_a)
    factories.make_card(unit, sale_date=SOLD, buyer_name="张三", buyer_phone="13800138000")
    spare = factories.make_unit(model=model, dealer=world.dealer_a)
    return unit, spare


def _staff(world):
    return world.users[Role.DEALER_STAFF]


def _open(world, unit, kind="exchange", **kwargs):
    kwargs.setdefault("actor", _staff(world))
    return services.open_case(unit, kind, "同一故障反复出现", today=TODAY, now=NOW, **kwargs)


def _approved(world, unit, kind="exchange", **kwargs):
    case = _open(world, unit, kind, **kwargs)
    services.decide_case(case, True, "确属质量问题", actor=world.users[Role.TECHNICAL],
                         version=LATEST, now=NOW)
    return case


def _flag(unit, kind=FlagKind.EXCHANGE):
    claim = factories.make_claim(unit, status="approved")
    flag = UnitFlag(unit=unit, kind=kind, claim=claim, detail="修理超过三十个工作日")
    factories.db.session.add(flag)
    factories.db.session.flush()
    return flag


def _complete(world, case, *, actor=None, day=date(2026, 11, 22), **kwargs):
    return services.complete_case(case, day, actor=actor or _staff(world), version=LATEST,
                                  today=date(2026, 11, 25), now=NOW + timedelta(days=2),
                                  **kwargs)


# The rules, as pure functions.

def test_a_refund_is_the_whole_invoice_price():
    due = rules.refund_due(Decimal("58000.00"))
    assert (due.invoice_amount, due.charges, due.due) == (
        Decimal("58000.00"), Decimal("0.00"), Decimal("58000.00"))


@pytest.mark.parametrize("failed_on, ok", [
    (SOLD, True), (SOLD + timedelta(days=rules.EARLY_CHOICE_DAYS), True),
    (SOLD + timedelta(days=rules.EARLY_CHOICE_DAYS + 1), False),
    (SOLD - timedelta(days=1), False), (None, False)])
def test_the_early_days_choice_holds_for_failures_soon_after_the_sale(failed_on, ok):
    assert (rules.early_choice_problem(SOLD, failed_on, TODAY) is None) is ok


def test_only_an_exchange_or_refund_entitlement_opens_a_case():
    assert rules.kinds_for_flag(FlagKind.EXCHANGE) == (CaseKind.EXCHANGE, CaseKind.REFUND)
    assert rules.kinds_for_flag("refund") == (CaseKind.REFUND,)
    assert rules.kinds_for_flag(FlagKind.REPLACE_PART) == ()


# Opening.

def test_opening_numbers_the_case_copies_the_buyer_and_starts_its_timeline(world, db, sold):
    unit, _spare = sold
    case = _open(world, unit)
    assert case.number == "HT-2026-0001" and case.status == CaseStatus.REQUESTED
    assert (case.buyer_name, case.buyer_phone, case.dealer_id) == (
        "张三", "13800138000", world.dealer_a.id)
    assert case.origin == CaseOrigin.BUYER_REQUEST and case.card_id == unit.card.id
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.entity_type == "sanbao_cases", AuditEntry.entity_id == str(case.id)))
    assert entry.action == "open_case" and entry.to_state == "requested"


def test_a_unit_without_a_buyer_or_with_an_open_case_gets_no_new_case(world, sold):
    unit, spare = sold
    with pytest.raises(DomainError, match="no warranty card"):
        _open(world, spare)
    _open(world, unit)
    with pytest.raises(DomainError, match="already in case HT-2026-0001"):
        _open(world, unit, "refund", actor=world.users[Role.CLERK])


def test_who_opens_a_case(world, sold):
    unit, _spare = sold
    for user in (world.dealer_b_admin, world.users[Role.TECHNICAL],
                 world.users[Role.SALES_REP]):
        with pytest.raises(DomainError, match="Only the dealer's own staff"):
            _open(world, unit, actor=user)
    assert _open(world, unit, actor=world.users[Role.CLERK]).dealer_id == world.dealer_a.id


def test_a_case_from_an_entitlement_takes_the_kinds_it_gives(world, sold):
    unit, _spare = sold
    part = _flag(unit, FlagKind.REPLACE_PART)
    with pytest.raises(DomainError) as refused:
        _open(world, unit, flag=part)
    assert refused.value.field == "kind"
    flag = _flag(unit)
    case = _open(world, unit, "refund", flag=flag)
    assert case.origin == CaseOrigin.ENTITLEMENT and case.flag_id == flag.id


def test_a_closed_or_foreign_entitlement_opens_nothing(world, sold):
    unit, spare = sold
    flag = _flag(unit)
    flag.resolved_at = NOW
    with pytest.raises(DomainError) as refused:
        _open(world, unit, flag=flag)
    assert refused.value.field == "entitlement"
    factories.make_card(spare)
    with pytest.raises(DomainError):
        _open(world, spare, flag=_flag(unit))


def test_the_early_days_choice_is_checked_against_the_sale(world, sold):
    unit, _spare = sold
    with pytest.raises(DomainError) as late:
        _open(world, unit, origin="early_choice", failed_on=SOLD + timedelta(days=20))
    assert late.value.field == "failed_on"
    with pytest.raises(DomainError) as kind:
        _open(world, unit, "refund", origin="early_choice", failed_on=SOLD + timedelta(days=3))
    assert kind.value.field == "kind"
    case = _open(world, unit, origin="early_choice", failed_on=SOLD + timedelta(days=3))
    assert case.origin == CaseOrigin.EARLY_CHOICE and case.failed_on == date(2026, 5, 4)


def test_bad_input_is_refused_by_its_field(world, sold):
    unit, _spare = sold
    for kwargs, field in (({"kind": "swap"}, "kind"),
                          ({"reason": " "}, "reason"),
                          ({"invoice_amount": "12.345"}, "invoice_amount"),
                          ({"invoice_amount": "NaN"}, "invoice_amount")):
        values = {"kind": "refund", "reason": "退货", **kwargs}
        with pytest.raises(DomainError) as refused:
            services.open_case(unit, values.pop("kind"), values.pop("reason"),
                               actor=_staff(world), today=TODAY, **values)
        assert refused.value.field == field


# Deciding.

def test_the_technical_department_decides_with_reasons(world, sold):
    unit, _spare = sold
    case = _open(world, unit)
    technical = world.users[Role.TECHNICAL]
    with pytest.raises(DomainError, match="Only the technical department"):
        services.decide_case(case, True, "可以", actor=world.users[Role.CLERK], version=LATEST)
    with pytest.raises(DomainError) as empty:
        services.decide_case(case, False, " ", actor=technical, version=LATEST)
    assert empty.value.field == "reason"
    services.decide_case(case, False, "属使用不当", actor=technical, version=LATEST, now=NOW)
    assert case.status == CaseStatus.REFUSED and case.decision_reason == "属使用不当"
    with pytest.raises(DomainError, match="Only a requested case"):
        services.decide_case(case, True, "改判", actor=technical, version=LATEST)
    # A refused case no longer blocks a new one on the unit.
    assert _open(world, unit).number == "HT-2026-0002"


def test_a_stale_decision_is_refused(world, sold):
    from portal.core.versioning import StaleVersion

    unit, _spare = sold
    case = _open(world, unit)
    with pytest.raises(StaleVersion):
        services.decide_case(case, True, "可以", actor=world.users[Role.TECHNICAL],
                             version=case.version + 1)


# Completing an exchange.

def test_an_exchange_moves_the_card_and_restarts_the_clocks(world, db, sold):
    unit, spare = sold
    flag = _flag(unit)
    case = _approved(world, unit, flag=flag)
    old_card = unit.card
    _complete(world, case, replacement_serial=spare.serial)
    assert case.status == CaseStatus.COMPLETED and case.replacement_unit_id == spare.id
    assert old_card.status == CardStatus.VOID and unit.card is None
    card = spare.card
    assert (card.buyer_name, card.buyer_phone, card.invoice_no) == ("张三", "13800138000",
                                                                     old_card.invoice_no)
    assert card.status == CardStatus.FILED and card.recognised
    assert card.exchanged_on == date(2026, 11, 22) and case.new_card_id == card.id
    whole = clocks_for(spare)[0][2]
    assert whole.starts_on == date(2026, 11, 22) and whole.nominal_end == date(2027, 11, 22)
    assert not coverage_for(spare, None, date(2026, 11, 21)).covered
    assert coverage_for(spare, None, date(2027, 6, 1)).covered
    # The failed machine went back to the factory; the entitlement is closed.
    assert unit.dealer_id is None and unit.shipped_on is None
    assert flag.resolved_at is not None and case.number in flag.resolution
    actions = set(db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.entity_type == "units", AuditEntry.entity_id == str(unit.id))))
    assert "return_to_factory" in actions


def test_a_factory_unit_is_placed_with_the_dealer(world, sold):
    unit, _spare = sold
    factory = factories.make_unit(model=unit.model, dealer=None, shipped_on=None)
    case = _approved(world, unit)
    _complete(world, case, actor=world.users[Role.CLERK], replacement_serial=factory.serial)
    assert factory.dealer_id == world.dealer_a.id and factory.shipped_on == date(2026, 11, 22)
    assert factory.delivery_note_no == case.number and factory.card.buyer_name == "张三"


def test_what_cannot_replace_the_failed_machine(world, sold):
    unit, spare = sold
    other_model = factories.make_unit(dealer=world.dealer_a)
    sold_one = factories.make_unit(model=unit.model, dealer=world.dealer_a)
    factories.make_card(sold_one)
    at_b = factories.make_unit(model=unit.model, dealer=world.dealer_b)
    case = _approved(world, unit)
    for serial, message in (("", "Give the replacement"), ("NO-SUCH", "No machine"),
                            (unit.serial, "failed machine itself"),
                            (other_model.serial, "same model"), (sold_one.serial, "is sold"),
                            (at_b.serial, "neither the dealer's stock")):
        with pytest.raises(DomainError, match=message) as refused:
            _complete(world, case, replacement_serial=serial)
        assert refused.value.field == "replacement_serial"
    assert case.status == CaseStatus.APPROVED and spare.card is None


def test_completion_needs_an_approved_case_a_good_day_and_its_dealer(world, sold):
    unit, spare = sold
    case = _open(world, unit)
    with pytest.raises(DomainError, match="Only an approved case"):
        _complete(world, case, replacement_serial=spare.serial)
    services.decide_case(case, True, "同意", actor=world.users[Role.TECHNICAL], version=LATEST,
                         now=NOW)
    for day in (date(2026, 11, 26), date(2026, 11, 19), None):
        with pytest.raises(DomainError) as refused:
            _complete(world, case, day=day, replacement_serial=spare.serial)
        assert refused.value.field == "completed_on"
    with pytest.raises(DomainError, match="Only the dealer's own staff"):
        _complete(world, case, actor=world.dealer_b_admin, replacement_serial=spare.serial)


# Completing a refund.

def test_a_refund_pays_the_whole_invoice_price_and_records_the_receipt(world, sold):
    unit, _spare = sold
    case = _approved(world, unit, "refund", invoice_amount="58000.00")
    with pytest.raises(DomainError, match="whole invoice price, 58000.00") as short:
        _complete(world, case, refund_amount="57000.00")
    assert short.value.field == "refund_amount"
    with pytest.raises(DomainError) as missing:
        _complete(world, case)
    assert missing.value.field == "refund_amount"
    card = unit.card
    _complete(world, case, refund_amount="58000.00", buyer_receipt="SJ-0088")
    assert case.refund_amount == Decimal("58000.00") and case.buyer_receipt == "SJ-0088"
    assert case.status == CaseStatus.COMPLETED and card.status == CardStatus.VOID
    assert unit.dealer_id is None


def test_a_refund_without_the_invoice_price_records_the_amount_paid_as_it(world, sold):
    unit, _spare = sold
    case = _approved(world, unit, "refund")
    _complete(world, case, refund_amount=Decimal("41000.00"))
    assert case.invoice_amount == case.refund_amount == Decimal("41000.00")


# The pages.

@pytest.fixture
def login(login, client):
    def in_english(user):
        login(user)
        client.post("/language", data={"lang": "en"})

    return in_english


def test_the_case_carried_through_the_pages(client, login, world, db, sold):
    from portal.core.db import shanghai_today

    unit, spare = sold
    flag = _flag(unit)
    db.session.commit()
    login(_staff(world))
    page = client.get(f"/units/{unit.id}").get_data(as_text=True)
    assert f"/cases/new?unit={unit.id}&amp;flag={flag.id}" in page
    response = client.post(f"/cases/new?unit={unit.id}", data={
        "unit": unit.id, "flag": flag.id, "kind": "exchange", "reason": "修理超期，要求换货"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    case = db.session.scalar(sa.select(SanbaoCase))
    assert case.flag_id == flag.id
    assert "Waiting for the technical department" in client.get(
        f"/cases/{case.id}").get_data(as_text=True)
    login(world.users[Role.TECHNICAL])
    refused = client.post(f"/cases/{case.id}/decide", data={
        "decision": "approve", "reason": "", "version": case.version})
    assert refused.status_code == 422
    assert client.post(f"/cases/{case.id}/decide", data={
        "decision": "approve", "reason": "修理记录属实", "version": case.version}
    ).status_code == 303
    login(_staff(world))
    today = shanghai_today().isoformat()
    bad = client.post(f"/cases/{case.id}/complete", data={
        "completed_on": today, "replacement_serial": "NO-SUCH", "version": case.version})
    assert bad.status_code == 422 and "No machine has this serial" in bad.get_data(as_text=True)
    assert client.post(f"/cases/{case.id}/complete", data={
        "completed_on": today, "replacement_serial": spare.serial, "version": case.version}
    ).status_code == 303
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Completed" in page and spare.serial in page and "Case completed" in page


def test_the_refund_page_shows_the_arithmetic(client, login, world, db, sold):
    unit, _spare = sold
    case = _open(world, unit, "refund", invoice_amount="58000.00")
    db.session.commit()
    login(world.users[Role.CLERK])
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "invoice price" in page and "58,000.00" in page


def test_the_list_filters_and_answers_htmx_with_rows(client, login, world, db, sold):
    unit, _spare = sold
    mine = _open(world, unit)
    theirs_unit = factories.make_unit(dealer=world.dealer_b)
    factories.make_card(theirs_unit)
    theirs = _open(world, theirs_unit, "refund", actor=world.dealer_b_admin)
    db.session.commit()
    login(_staff(world))
    page = client.get("/cases/").get_data(as_text=True)
    assert mine.number in page and theirs.number not in page
    assert client.get(f"/cases/{theirs.id}").status_code == 404
    login(world.users[Role.CLERK])
    rows = client.get("/cases/?kind=refund", headers={"HX-Request": "true"})
    body = rows.get_data(as_text=True)
    assert "<html" not in body and theirs.number in body and mine.number not in body
    assert rows.headers["Vary"] == "HX-Request" or "HX-Request" in rows.headers["Vary"]


def test_a_dealer_may_not_open_a_case_on_another_dealers_unit(client, login, world, db):
    unit = factories.make_unit(dealer=world.dealer_b)
    factories.make_card(unit)
    db.session.commit()
    login(_staff(world))
    assert client.get(f"/cases/new?unit={unit.id}").status_code == 404


def test_the_timeline_names_coded_values_in_the_readers_language(client, login, world, db, sold):
    """The history shows what was chosen by its title (a Chinese page has no English codes)."""
    unit, _spare = sold
    case = _open(world, unit, "refund", invoice_amount="58000.00")
    db.session.commit()
    login(world.users[Role.CLERK])
    client.post("/language", data={"lang": "zh_CN"})
    changes = client.get(f"/cases/{case.id}").get_data(as_text=True).split('class="changes"')[1:]
    assert changes and "退货" in changes[0].split("</td>")[0]
    shown = " ".join(cell.split("</td>")[0] for cell in changes)
    assert ">refund<" not in shown and "→ refund" not in shown and "buyer_request" not in shown
    assert "entitlement" not in shown
