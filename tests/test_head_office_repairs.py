"""Repairs done by head office (issue 18 §4): the technical department and the sales rep file
三包维修记录 themselves, priced and checked like a dealer's, decided by a technician who did not
file them, their old parts handed in to the sales company, their cost the maker's own."""

from datetime import timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.analytics import failures as fa
from portal.analytics.filters import Filters
from portal.catalog.models import LabourRate, PolicySettings
from portal.claims import access, services
from portal.claims.models import Claim, ClaimStatus, Decision, LineKind
from portal.claims.scope import visible_claims
from portal.core.db import shanghai_today, utcnow
from portal.core.errors import DomainError
from portal.extensions import db
from portal.finance import access as finance_access
from portal.finance.audit import forward_claim
from portal.finance.notices import eligible_summary
from portal.finance.queues import FORWARD
from portal.returns import access as returns_access
from portal.returns.models import Destination, OwedStatus, Verdict
from portal.returns.owed import hold_reason, record_verdict
from portal.returns.receipt import take_handed_in
from portal.returns.scope import visible_owed_parts
from portal.workflow import claims as workflow
from tests import builders, factories

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
def tech(world):
    return world.users[Role.TECHNICAL]


@pytest.fixture
def other_tech():
    return factories.make_user(Role.TECHNICAL, username="tech_two")


def submitted(shop, filer):
    """A head-office record of a main part, labour and travel, submitted by ``filer``."""
    return builders.submitted_claim(shop, filer, today=TODAY)


def decide_all(claim, actor):
    return workflow.decide(claim, {line.id: {"decision": Decision.APPROVED}
                                   for line in claim.lines}, actor=actor)


# ---------------------------------------------------------------- who files

def test_technical_files_for_any_dealer_rep_for_its_own_dealers(world, shop, tech):
    rep_a, rep_b = world.users[Role.SALES_REP], world.rep_b
    assert access.can_file_claim(shop.unit, tech)
    assert access.can_file_claim(shop.unit, rep_a)
    assert not access.can_file_claim(shop.unit, rep_b)  # dealer A is not rep B's
    assert not access.can_file_claim(shop.unit, world.users[Role.CLERK])
    assert not access.can_file_claim(shop.unit, world.dealer_b_admin)
    with pytest.raises(DomainError):
        builders.open_claim(shop, rep_b, today=TODAY)
    stock = factories.make_unit(model=shop.model)  # still in factory stock: no buyer yet
    assert not access.can_file_claim(stock, tech)


def test_a_head_office_record_is_marked_and_keeps_the_units_dealer(world, shop, tech):
    claim = builders.open_claim(shop, world.users[Role.SALES_REP], today=TODAY)
    assert claim.filed_by_head_office and claim.dealer_id == world.dealer_a.id
    own = builders.open_claim(shop, world.users[Role.DEALER_STAFF], today=TODAY)
    assert not own.filed_by_head_office


def test_each_side_changes_only_its_own_records(world, shop, tech):
    dealer = world.users[Role.DEALER_STAFF]
    ho_claim = builders.open_claim(shop, tech, today=TODAY)
    dealer_claim = builders.open_claim(shop, dealer, today=TODAY)
    assert access.can_edit_claim(ho_claim, world.users[Role.SALES_REP])
    assert not access.can_edit_claim(ho_claim, dealer)
    assert not access.can_edit_claim(dealer_claim, tech)
    with pytest.raises(DomainError, match="Only head office changes"):
        services.add_line(ho_claim, LineKind.TRAVEL, {"km": 30}, actor=dealer)
    with pytest.raises(DomainError, match="dealer's own staff"):
        services.add_line(dealer_claim, LineKind.TRAVEL, {"km": 30}, actor=tech)


def test_priced_from_the_same_tables_at_the_units_dealer_grade(world, shop, tech):
    """The same lines cost what the dealer's record costs: head office's technicians are
    costed at the labour rate of the unit's dealer's grade."""
    claim = builders.ready_claim(shop, tech, today=TODAY)
    dealers = builders.ready_claim(shop, world.users[Role.DEALER_STAFF], today=TODAY)
    assert [(li.kind, li.amount) for li in claim.lines] == [
        (li.kind, li.amount) for li in dealers.lines]
    labour = claim.lines[1]
    rate = db.session.get(LabourRate, world.dealer_a.grade).hourly_rate
    assert (labour.hourly_rate, labour.amount) == (rate, Decimal("2.50") * rate)
    with pytest.raises(DomainError, match="does not fit"):
        services.add_line(claim, LineKind.PART, {"part_id": shop.other_model_part.id,
                                                 "quantity": 1}, actor=tech)


def test_the_same_checks_and_the_customers_signature(shop, tech):
    claim = builders.open_claim(shop, tech, today=TODAY)
    services.add_line(claim, LineKind.TRAVEL, {"km": 30}, actor=tech)
    with pytest.raises(services.ChecksFailed) as refused:
        workflow.submit(claim, actor=tech, today=TODAY)
    assert "signature" in {c.code for c in refused.value.checks}


def test_the_dealers_hold_does_not_hold_head_offices_record(world, shop, tech):
    """A dealer with old parts long overdue files nothing new; head office still repairs."""
    dealer = world.users[Role.DEALER_STAFF]
    (late,) = builders.owed_parts_of(submitted(shop, dealer))
    late.due_on = TODAY - timedelta(days=400)
    db.session.flush()
    assert hold_reason(world.dealer_a.id, TODAY)
    with pytest.raises(services.ChecksFailed):
        submitted(factories.workshop(world.dealer_a), dealer)
    claim = submitted(factories.workshop(world.dealer_a), tech)
    assert claim.status == ClaimStatus.SUBMITTED


# ---------------------------------------------------------------- who decides

def test_a_technician_other_than_the_filer_decides_and_rules_never_do(world, shop, tech,
                                                                      other_tech):
    policy = PolicySettings.current()
    policy.auto_approve, policy.auto_max_total = True, Decimal("100000")
    db.session.flush()
    clean = submitted(factories.workshop(world.dealer_a), world.users[Role.DEALER_STAFF])
    assert clean.decided_by_rules  # the dealer's same record: the rules approve it
    claim = submitted(shop, tech)
    assert claim.status == ClaimStatus.SUBMITTED  # not decided by the rules
    assert not access.can_decide_claim(claim, tech)
    with pytest.raises(DomainError, match="cannot decide"):
        decide_all(claim, tech)
    assert access.can_decide_claim(claim, other_tech)
    assert decide_all(claim, other_tech) == ClaimStatus.APPROVED


def test_a_rep_does_not_send_back_the_record_it_filed(world, shop, tech):
    rep = world.users[Role.SALES_REP]
    claim = submitted(shop, rep)
    assert not access.can_send_back_claim(claim, rep)
    with pytest.raises(DomainError, match="cannot decide"):
        workflow.send_back(claim, "重填", actor=rep)
    assert access.can_decide_claim(claim, tech)
    workflow.send_back(claim, "补照片", actor=tech)
    assert claim.status == ClaimStatus.DRAFT


# ---------------------------------------------------------------- the maker's own cost

def test_no_finance_track_no_notice(world, shop, tech, other_tech):
    rep = world.users[Role.SALES_REP]
    claim = submitted(shop, tech)
    decide_all(claim, other_tech)
    for owed in builders.owed_parts_of(claim):
        take_handed_in(owed, actor=world.users[Role.CLERK], today=TODAY)
        record_verdict(owed, Verdict.QUALITY_FAULT, actor=other_tech, today=TODAY,
                       destination=Destination.SCRAP)
    assert not finance_access.can_forward_claim(claim, rep)
    with pytest.raises(DomainError, match="maker's own"):
        forward_claim(claim, actor=rep, today=TODAY)
    assert claim.id not in {c.id for c in db.session.scalars(FORWARD.ordered(rep, utcnow()))}
    assert claim.finance_stage is None
    assert world.dealer_a.id not in {d.id for d, _n, _t in eligible_summary(TODAY)}


def test_the_dealers_own_claim_still_goes_to_finance(world, shop, tech, other_tech):
    claim = submitted(shop, world.users[Role.DEALER_STAFF])
    decide_all(claim, tech)
    assert finance_access.can_forward_claim(claim, world.users[Role.SALES_REP])


# ---------------------------------------------------------------- the old parts

def test_old_parts_are_owed_by_no_dealer_and_handed_in(world, shop, tech, other_tech):
    clerk, dealer = world.users[Role.CLERK], world.users[Role.DEALER_STAFF]
    claim = submitted(shop, tech)
    (owed,) = builders.owed_parts_of(claim)
    assert owed.dealer_id is None and owed.status == OwedStatus.OWED
    assert owed not in db.session.scalars(visible_owed_parts(dealer)).all()
    assert owed in db.session.scalars(visible_owed_parts(clerk)).all()
    assert not returns_access.can_take_handed_in(owed, tech)  # the sales company receives
    take_handed_in(owed, actor=clerk, today=TODAY)
    assert (owed.status, owed.received_on) == (OwedStatus.RECEIVED, TODAY)
    with pytest.raises(DomainError):
        take_handed_in(owed, actor=clerk, today=TODAY)  # once
    record_verdict(owed, Verdict.QUALITY_FAULT, actor=other_tech, today=TODAY,
                   destination=Destination.REUSABLE)
    assert owed.verdict == Verdict.QUALITY_FAULT


def test_a_dealers_part_is_not_taken_in_by_hand(world, shop):
    claim = submitted(shop, world.users[Role.DEALER_STAFF])
    (owed,) = builders.owed_parts_of(claim)
    assert owed.dealer_id == world.dealer_a.id
    with pytest.raises(DomainError, match="shipment"):
        take_handed_in(owed, actor=world.users[Role.CLERK], today=TODAY)


# ---------------------------------------------------------------- history and analytics

def test_in_the_units_history_and_the_analytics(world, shop, tech):
    claim = submitted(shop, tech)
    mine = db.session.scalars(visible_claims(world.users[Role.DEALER_STAFF])).all()
    assert claim in mine
    assert claim not in db.session.scalars(visible_claims(world.dealer_b_admin)).all()
    table = fa.rate_by("model", Filters(model_id=shop.model.id))
    assert [r.failures for r in table.rows] == [1]


# ---------------------------------------------------------------- the pages

def test_technical_files_through_the_pages(client, login, world, shop, tech):
    login(tech)
    assert f"/claims/new/{shop.unit.id}".encode() in client.get(f"/units/{shop.unit.id}").data
    failure = TODAY - timedelta(days=5)
    response = client.post(f"/claims/new/{shop.unit.id}", data={
        "failure_date": failure.isoformat(), "handed_in_on": failure.isoformat(),
        "completed_on": failure.isoformat(), "hour_meter": "120.0",
        "fault_code_id": shop.fault.id, "description": "发动机异响"})
    assert response.status_code == 303, response.data[-1500:]
    claim_id = int(response.headers["Location"].rsplit("/", 1)[1])
    claim = db.session.get(Claim, claim_id)
    assert claim.filed_by_head_office
    page = client.get(f"/claims/{claim_id}").get_data(as_text=True)
    assert 'id="head-office-note"' in page
    assert f'action="/claims/{claim_id}/lines/part"' in page  # the filer's form
    dealer_claim = builders.open_claim(shop, world.users[Role.DEALER_STAFF], today=TODAY)
    listed = client.get("/claims/?origin=head_office").get_data(as_text=True)
    assert claim.number in listed and dealer_claim.number not in listed


def test_the_dealer_sees_but_cannot_change_head_offices_record(client, login, world, shop, tech):
    claim = builders.open_claim(shop, tech, today=TODAY)
    db.session.commit()
    login(world.users[Role.DEALER_STAFF])
    page = client.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert claim.number in page and f'action="/claims/{claim.id}/edit"' not in page
    refused = client.post(f"/claims/{claim.id}/lines/travel",
                          data={"version": claim.version, "km": "30"})
    assert refused.status_code == 422
    db.session.expire_all()
    assert db.session.get(Claim, claim.id).lines == []
    login(world.dealer_b_admin)
    assert client.get(f"/claims/{claim.id}").status_code == 404


def test_the_clerk_takes_the_part_in_on_its_page(client, login, world, shop, tech):
    claim = submitted(shop, tech)
    (owed,) = builders.owed_parts_of(claim)
    db.session.commit()
    login(world.users[Role.CLERK])
    page = client.get(f"/returns/parts/{owed.id}").get_data(as_text=True)
    assert f'action="/returns/parts/{owed.id}/handed-in"' in page
    answer = client.post(f"/returns/parts/{owed.id}/handed-in", data={"version": owed.version})
    assert answer.status_code == 303
    db.session.expire_all()
    assert owed.status == OwedStatus.RECEIVED
    login(world.users[Role.DEALER_STAFF])
    assert client.get(f"/returns/parts/{owed.id}").status_code == 404
    page = client.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert 'id="old-parts"' in page and f"/returns/parts/{owed.id}" not in page  # no dead link


def test_filed_from_a_service_entry_routed_to_head_office(world, shop, tech):
    from portal.service.models import Assignee

    rep = world.users[Role.SALES_REP]
    entry = factories.make_service_request(unit=shop.unit, status="arranged")
    entry.assignee = Assignee.TECHNICAL
    assert access.can_file_claim_from(entry, tech)
    assert not access.can_file_claim_from(entry, rep)
    entry.assignee, entry.assigned_user_id = Assignee.SALES_REP, rep.id
    assert access.can_file_claim_from(entry, rep)
    assert not access.can_file_claim_from(entry, tech)
    assert not access.can_file_claim_from(entry, world.users[Role.DEALER_STAFF])


def test_the_api_says_who_filed_it(api, world, shop, tech):
    claim = builders.open_claim(shop, tech, today=TODAY)
    db.session.commit()
    body = api("GET", f"/claims/{claim.id}", role=Role.DEALER_STAFF).get_json()
    assert body["filed_by_head_office"] is True


def test_not_the_dealers_doing_in_its_scorecard_or_plan_usage(world, shop, tech):
    """A rejected head-office record is not the dealer's rejection; its parts were head
    office's, not used from the dealer's stock."""
    from datetime import UTC, date, datetime

    from portal.analytics.scorecards import Period, scorecards
    from portal.planning.reality import plan_vs_reality

    decided = datetime(2026, 3, 10, 2, tzinfo=UTC)
    line = {"kind": "part", "part_id": shop.main_part.id, "quantity": 1, "amount": "100.00",
            "decision": "rejected"}
    for head_office in (False, True):
        factories.make_claim(shop.unit, status="rejected", decided_at=decided, lines=[line],
                             failure_date=date(2026, 3, 5), filed_by_head_office=head_office)
    db.session.flush()
    (card,) = scorecards(Period(date(2026, 3, 1), date(2026, 3, 31)), date(2026, 5, 10),
                         datetime(2026, 5, 10, tzinfo=UTC), dealers=[world.dealer_a.id])
    assert (card.figures.rejections.num, card.figures.rejections.den) == (1, 1)
    for claim in db.session.scalars(visible_claims(tech).where(Claim.unit_id == shop.unit.id)):
        claim.status, claim.lines[0].decision = ClaimStatus.APPROVED, Decision.APPROVED
    db.session.flush()
    season = builders.make_season("春耕", date(2026, 3, 1), date(2026, 6, 15))
    found = plan_vs_reality(season, [world.dealer_a.id], part_ids=[shop.main_part.id])
    assert sum(row.used for row in found.rows) == 1
