"""The service register: deadlines on a controlled clock, who may do what, the pages."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.catalog.models import PolicySettings
from portal.core.audit import AuditEntry
from portal.core.db import SHANGHAI, utcnow
from portal.core.errors import DomainError
from portal.core.queues import piles
from portal.dealers.models import DealerStatus
from portal.extensions import db as _db
from portal.service import access, deadlines, queues, search, services
from portal.service.models import Assignee, Channel, RequestStatus, ServiceRequest, Urgency
from portal.service.scope import visible_requests
from tests import factories
from tests.helpers import QueryCounter, walk_pages

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def values(received_at=None, **extra):
    data = {"channel": Channel.PHONE, "received_at": received_at or NOW - timedelta(minutes=10),
            "customer_name": "刘大伟", "customer_phone": "13912345678", "location": "王舍人镇",
            "description": "收割机割台不转", "urgency": Urgency.URGENT}
    data.update(extra)
    return data


def register(world, role=Role.CLERK, now=NOW, serial="", **extra):
    return services.register(values(**extra), actor=world.users[role], now=now, serial=serial)


def arrangement(**extra):
    data = {"plan": "派服务车上门更换割台传动带", "planned_for": NOW + timedelta(hours=3),
            "who_goes": "王师傅、李师傅", "customer_told": True}
    data.update(extra)
    return data


def routed_to_dealer(world, now=NOW):
    entry = register(world, now=now, received_at=now - timedelta(minutes=10))
    services.route(entry, Assignee.DEALER, dealer=world.dealer_a, actor=world.users[Role.CLERK],
                   now=now)
    return entry


# Deadlines, with the clock in the test's hands.

def test_arrange_deadline_is_met_at_its_instant_and_missed_one_second_later(world):
    entry = register(world)
    due = NOW - timedelta(minutes=10) + timedelta(hours=2)
    assert entry.arrange_due_at == due and entry.status == RequestStatus.NEW
    on_time = deadlines.deadline_state(entry, due)
    assert (on_time.kind, on_time.seconds_left, on_time.overdue) == ("arrange", 0, False)
    late = deadlines.deadline_state(entry, due + timedelta(seconds=1))
    assert (late.seconds_left, late.overdue) == (-1, True)
    assert not deadlines.is_overdue(entry, due)
    assert deadlines.is_arrange_overdue(entry, due + timedelta(seconds=1))
    query = deadlines.escalation_query
    assert _db.session.scalars(query(due)).all() == []
    assert _db.session.scalars(query(due + timedelta(seconds=1))).all() == [entry]


def test_check_deadline_runs_from_routing(world):
    entry = register(world)
    routed = NOW + timedelta(minutes=30)
    services.route(entry, Assignee.TECHNICAL, actor=world.users[Role.CLERK], now=routed)
    assert entry.check_due_at == routed + timedelta(hours=4)
    services.arrange(entry, arrangement(), actor=world.users[Role.TECHNICAL],
                     now=NOW + timedelta(hours=1))
    due = entry.check_due_at
    state = deadlines.deadline_state(entry, due)
    assert (state.kind, state.overdue) == ("check", False)
    assert not deadlines.is_check_overdue(entry, due)
    assert deadlines.is_check_overdue(entry, due + timedelta(seconds=1))
    assert _db.session.scalars(deadlines.escalation_query(due)).all() == []
    assert _db.session.scalars(
        deadlines.escalation_query(due + timedelta(seconds=1))).all() == [entry]
    services.check(entry, "电话确认", actor=world.users[Role.CLERK], now=due + timedelta(hours=1))
    assert deadlines.deadline_state(entry, due + timedelta(days=9)) is None
    assert deadlines.checked_late(entry) and not deadlines.arranged_late(entry)
    assert _db.session.scalars(deadlines.escalation_query(due + timedelta(days=9))).all() == []


def test_an_entry_arranged_late_leaves_the_arrange_escalation(world):
    entry = routed_to_dealer(world)
    late = entry.arrange_due_at + timedelta(minutes=5)
    assert deadlines.is_arrange_overdue(entry, late)
    services.arrange(entry, arrangement(), actor=world.users[Role.DEALER_STAFF], now=late)
    assert deadlines.arranged_late(entry) and not deadlines.is_overdue(entry, late)


def test_deadlines_follow_the_policy_settings(world, db):
    policy = PolicySettings.current()
    policy.arrange_deadline_hours, policy.check_deadline_hours = 3, 6
    db.session.add(policy)
    entry = register(world, received_at=NOW)
    services.route(entry, Assignee.TECHNICAL, actor=world.users[Role.CLERK], now=NOW)
    assert entry.arrange_due_at == NOW + timedelta(hours=3)
    assert entry.check_due_at == NOW + timedelta(hours=6)


@pytest.mark.parametrize("seconds, text", [
    (0, "0 min left"), (59, "0 min left"), (83 * 60 + 20, "1 h 23 min left"),
    (-1, "overdue by 1 min"), (-12 * 60, "overdue by 12 min"),
    (-(26 * 3600 + 5 * 60), "overdue by 1 d 2 h"), (2 * 86400, "2 d 0 h left"),
])
def test_remaining_text(seconds, text):
    with force_locale("en"):
        assert deadlines.remaining_text(seconds) == text


def test_the_script_gets_the_same_wording_with_placeholders():
    with force_locale("en"):
        wording = deadlines.wording()
    assert wording["left-h"] == "{h} h {m} min left"
    assert wording["late-d"] == "overdue by {d} d {h} h"
    assert set(wording) == {f"{k}-{s}" for k in ("left", "late") for s in "dhm"}


# Registering.

def test_head_office_entry_is_new_and_numbered(world):
    first = register(world)
    second = register(world, role=Role.ADMIN)
    assert (first.number, second.number) == ("FW2026000001", "FW2026000002")
    assert first.status == RequestStatus.NEW and first.assignee is None
    assert first.received_by_dealer_id is None and first.registered_at == NOW
    entry = _db.session.query(AuditEntry).filter_by(entity_type="service_requests").first()
    assert (entry.action, entry.to_state, entry.at) == ("create", "new", NOW)


def test_numbers_continue_the_year_and_restart_in_the_next(world):
    factories.make_service_request(number="FW2026000041")
    assert register(world).number == "FW2026000042"
    new_year = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 January in Shanghai
    assert register(world, now=new_year, received_at=new_year).number == "FW2027000001"


def test_dealer_entry_is_routed_to_itself_and_technical_sees_it(world):
    staff = world.users[Role.DEALER_STAFF]
    entry = register(world, role=Role.DEALER_STAFF)
    assert entry.status == RequestStatus.ROUTED and entry.assignee == Assignee.DEALER
    assert entry.dealer_id == entry.received_by_dealer_id == staff.dealer_id
    assert entry.check_due_at == NOW + timedelta(hours=4)
    for user in (world.users[Role.TECHNICAL], world.users[Role.SALES_REP], staff):
        assert entry in _db.session.scalars(visible_requests(user)).all()
    for user in (world.dealer_b_admin, world.rep_b):
        assert entry not in _db.session.scalars(visible_requests(user)).all()


@pytest.mark.parametrize("received, message", [
    (NOW + timedelta(minutes=1), "future"), (NOW - timedelta(days=30, seconds=1), "30 days"),
])
def test_received_at_must_be_recent_and_not_in_the_future(world, received, message):
    with force_locale("en"), pytest.raises(DomainError) as error:
        register(world, received_at=received)
    assert error.value.field == "received_at" and message in error.value.message
    register(world, received_at=NOW - timedelta(days=30))  # exactly 30 days is fine


def test_units_are_found_by_serial_within_the_users_scope(world):
    own = factories.make_unit("SBOWN001", dealer=world.dealer_a)
    foreign = factories.make_unit("SBFOREIGN1", dealer=world.dealer_b)
    assert register(world, role=Role.DEALER_ADMIN, serial=" sbown001 ").unit == own
    for serial in (foreign.serial, "NOSUCH"):
        with pytest.raises(DomainError) as error:
            register(world, role=Role.DEALER_ADMIN, serial=serial)
        assert error.value.field == "serial"
    assert register(world, serial=foreign.serial).unit == foreign  # head office sees all


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.TECHNICAL, Role.FINANCE])
def test_only_clerks_admins_and_dealers_register(world, role):
    with pytest.raises(DomainError):
        register(world, role=role)


# Routing, arranging, checking, closing: by role and by dealer.

def test_routing_and_rerouting_before_it_is_arranged(world, db):
    clerk = world.users[Role.CLERK]
    entry = routed_to_dealer(world)
    assert (entry.status, entry.dealer_id) == (RequestStatus.ROUTED, world.dealer_a.id)
    later = NOW + timedelta(hours=1)
    with pytest.raises(DomainError) as error:
        services.route(entry, Assignee.SALES_REP, rep=world.rep_b, actor=clerk, now=later)
    assert error.value.field == "reason"
    with pytest.raises(DomainError) as error:
        services.route(entry, Assignee.DEALER, dealer=world.dealer_a, reason="x", actor=clerk,
                       now=later)
    assert error.value.field == "assignee"
    services.route(entry, Assignee.SALES_REP, rep=world.rep_b, reason="用户要求业务员上门",
                   actor=clerk, now=later)
    assert (entry.dealer_id, entry.assigned_user_id) == (None, world.rep_b.id)
    assert entry.check_due_at == later + timedelta(hours=4)
    audit = db.session.query(AuditEntry).filter_by(action="reroute").one()
    assert audit.reason == "用户要求业务员上门" and audit.changes["dealer"] == ["DA-01", None]
    services.arrange(entry, arrangement(), actor=world.rep_b, now=later)
    with pytest.raises(DomainError):
        services.route(entry, Assignee.TECHNICAL, reason="x", actor=clerk, now=later)


def test_route_targets_are_checked(world):
    clerk = world.users[Role.CLERK]
    entry = register(world)
    world.dealer_b.status = DealerStatus.SUSPENDED
    cases = [(Assignee.DEALER, {}, "dealer_id"),
             (Assignee.DEALER, {"dealer": world.dealer_b}, "dealer_id"),
             (Assignee.SALES_REP, {"rep": world.users[Role.TECHNICAL]}, "rep_id"),
             (Assignee.SALES_REP, {}, "rep_id")]
    for assignee, target, field in cases:
        with pytest.raises(DomainError) as error:
            services.route(entry, assignee, actor=clerk, now=NOW, **target)
        assert error.value.field == field
    with pytest.raises(DomainError):
        services.route(entry, Assignee.TECHNICAL, actor=world.users[Role.DEALER_ADMIN], now=NOW)
    assert entry.status == RequestStatus.NEW


def test_only_the_assignee_arranges(world):
    entry = routed_to_dealer(world)
    for user in (world.users[Role.TECHNICAL], world.users[Role.CLERK], world.dealer_b_admin,
                 world.users[Role.SALES_REP]):
        assert not access.can_arrange(entry, user)
        with pytest.raises(DomainError):
            services.arrange(entry, arrangement(), actor=user, now=NOW)
    services.arrange(entry, arrangement(), actor=world.users[Role.DEALER_STAFF], now=NOW)
    assert entry.status == RequestStatus.ARRANGED and entry.customer_told
    with pytest.raises(DomainError):  # once is enough
        services.arrange(entry, arrangement(), actor=world.users[Role.DEALER_ADMIN], now=NOW)


def test_the_arrangement_needs_every_part_and_a_told_customer(world):
    entry = routed_to_dealer(world)
    staff = world.users[Role.DEALER_STAFF]
    cases = [(arrangement(plan=" "), "plan"), (arrangement(who_goes=""), "who_goes"),
             (arrangement(planned_for=None), "planned_for"),
             (arrangement(planned_for=NOW - timedelta(days=1)), "planned_for"),
             (arrangement(customer_told=False), "customer_told")]
    for data, field in cases:
        with pytest.raises(DomainError) as error:
            services.arrange(entry, data, actor=staff, now=NOW)
        assert error.value.field == field
    assert entry.status == RequestStatus.ROUTED and entry.arranged_at is None


def test_rep_and_technical_arrange_what_is_routed_to_them(world):
    clerk = world.users[Role.CLERK]
    to_rep, to_tech = register(world), register(world)
    services.route(to_rep, Assignee.SALES_REP, rep=world.users[Role.SALES_REP], actor=clerk,
                   now=NOW)
    services.route(to_tech, Assignee.TECHNICAL, actor=clerk, now=NOW)
    assert not access.can_arrange(to_rep, world.rep_b)
    assert not access.can_arrange(to_tech, world.users[Role.SALES_REP])
    services.arrange(to_rep, arrangement(), actor=world.users[Role.SALES_REP], now=NOW)
    services.arrange(to_tech, arrangement(), actor=world.users[Role.TECHNICAL], now=NOW)
    assert to_rep.status == to_tech.status == RequestStatus.ARRANGED


def test_checking_is_for_the_clerk_after_the_arrangement(world):
    entry = routed_to_dealer(world)
    clerk = world.users[Role.CLERK]
    with pytest.raises(DomainError):
        services.check(entry, actor=clerk, now=NOW)
    services.arrange(entry, arrangement(), actor=world.users[Role.DEALER_STAFF], now=NOW)
    for user in (world.users[Role.DEALER_ADMIN], world.users[Role.TECHNICAL]):
        with pytest.raises(DomainError):
            services.check(entry, actor=user, now=NOW)
    services.check(entry, "已电话确认", actor=clerk, now=NOW)
    assert (entry.status, entry.checked_by_id, entry.check_note) == (
        RequestStatus.CHECKED, clerk.id, "已电话确认")


def test_closing_needs_an_outcome_and_the_assignee_waits_for_the_check(world):
    staff, clerk = world.users[Role.DEALER_STAFF], world.users[Role.CLERK]
    entry = routed_to_dealer(world)
    with pytest.raises(DomainError):  # not arranged yet
        services.close(entry, "修好了", actor=clerk, now=NOW)
    services.arrange(entry, arrangement(), actor=staff, now=NOW)
    with pytest.raises(DomainError):  # the clerk has not checked it
        services.close(entry, "修好了", actor=staff, now=NOW)
    services.check(entry, actor=clerk, now=NOW)
    with pytest.raises(DomainError):
        services.close(entry, "修好了", actor=world.dealer_b_admin, now=NOW)
    with pytest.raises(DomainError) as error:
        services.close(entry, "  ", actor=staff, now=NOW)
    assert error.value.field == "outcome"
    services.close(entry, "更换传动带，恢复作业", actor=staff, now=NOW)
    assert entry.status == RequestStatus.CLOSED and entry.closed_by_id == staff.id
    other = routed_to_dealer(world)
    services.arrange(other, arrangement(), actor=staff, now=NOW)
    services.close(other, "用户自行处理", actor=clerk, now=NOW)  # the clerk may close it unchecked
    assert other.status == RequestStatus.CLOSED


def test_a_stale_form_is_refused(world):
    entry = routed_to_dealer(world)
    with pytest.raises(DomainError):
        services.arrange(entry, arrangement(), actor=world.users[Role.DEALER_STAFF], now=NOW,
                         version=entry.version - 1)


def work_counts(user) -> dict:
    """The register's queues as a home page counts them, at NOW."""
    found = piles([queues.TO_ROUTE, queues.MINE_TO_ARRANGE, queues.TO_CHECK, queues.OVERDUE],
                  user, NOW)
    return dict(zip(("to_route", "to_arrange", "to_check", "overdue"),
                    (pile.count for pile in found), strict=True))


def test_work_counts(world):
    clerk = world.users[Role.CLERK]
    register(world)
    routed_to_dealer(world)
    routed_to_dealer(world, now=NOW - timedelta(hours=3))
    services.arrange(routed_to_dealer(world), arrangement(), actor=world.users[Role.DEALER_STAFF],
                     now=NOW)
    assert work_counts(clerk) == {"to_route": 1, "to_arrange": 0, "to_check": 1, "overdue": 1}
    assert work_counts(world.users[Role.DEALER_STAFF])["to_arrange"] == 2
    assert work_counts(world.dealer_b_admin) == {
        "to_route": 0, "to_arrange": 0, "to_check": 0, "overdue": 0}


# The pages.

def form_values(**extra):
    local = utcnow().astimezone(SHANGHAI) - timedelta(minutes=5)
    data = {"channel": "phone", "received_at": local.strftime("%Y-%m-%dT%H:%M"),
            "customer_name": "刘大伟", "customer_phone": "13912345678", "location": "王舍人镇",
            "serial": "", "description": "收割机割台不转", "urgency": "urgent"}
    data.update(extra)
    return data


def test_a_dealer_registers_on_the_form_and_arranges(client, login, world, db):
    unit = factories.make_unit("SBFORM01", dealer=world.dealer_a)
    db.session.commit()
    login(world.users[Role.DEALER_STAFF])
    assert 'type="datetime-local"' in client.get("/service/new").get_data(as_text=True)
    response = client.post("/service/new", data=form_values(serial="sbform01"))
    assert response.status_code == 303
    entry = db.session.query(ServiceRequest).one()
    assert entry.unit_id == unit.id and entry.status == RequestStatus.ROUTED
    assert response.headers["Location"] == f"/service/{entry.id}"
    page = client.get(f"/service/{entry.id}").get_data(as_text=True)
    assert '<time class="countdown' in page and "data-left-h=" in page
    assert re.search(r'datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"', page)
    assert f'hx-post="/service/{entry.id}/arrange"' in page
    assert "/route" not in page and "/check" not in page
    planned = (utcnow().astimezone(SHANGHAI) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    data = {"plan": "上门维修", "planned_for": planned, "who_goes": "王师傅",
            "version": entry.version}
    response = client.post(f"/service/{entry.id}/arrange", data=data,
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<html" not in body and 'id="entry"' in body and "has-error check" in body
    assert db.session.get(ServiceRequest, entry.id).status == RequestStatus.ROUTED
    response = client.post(f"/service/{entry.id}/arrange", data={**data, "customer_told": "y"})
    assert response.status_code == 303
    entry = db.session.get(ServiceRequest, entry.id)
    assert entry.status == RequestStatus.ARRANGED and entry.who_goes == "王师傅"
    assert entry.planned_for.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M") == planned


@pytest.mark.parametrize("extra, field", [
    ({"received_at": (utcnow().astimezone(SHANGHAI) + timedelta(hours=1))
      .strftime("%Y-%m-%dT%H:%M")}, "received_at"),
    ({"received_at": "2020-01-01T08:00"}, "received_at"),
    ({"serial": "NO-SUCH-UNIT"}, "serial"),
    ({"customer_name": ""}, "customer_name"),
])
def test_form_errors_stand_next_to_their_field_and_nothing_is_saved(client, login, world, db,
                                                                     extra, field):
    login(world.users[Role.CLERK])
    response = client.post("/service/new", data=form_values(**extra))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    block = re.search(rf'<div class="field has-error">\s*<label for="{field}".*?</div>', body,
                      re.S)
    assert block and 'class="error"' in block.group(0)
    assert db.session.query(ServiceRequest).count() == 0


def test_clerk_routes_checks_and_closes_through_the_pages(client, login, world, db):
    entry = factories.make_service_request(status="new")
    db.session.commit()
    login(world.users[Role.CLERK])
    page = client.get(f"/service/{entry.id}").get_data(as_text=True)
    assert "/route" in page and "/arrange" not in page
    response = client.post(f"/service/{entry.id}/route", data={
        "assignee": "dealer", "dealer_id": world.dealer_a.id, "version": entry.version})
    assert response.status_code == 303
    entry = db.session.get(ServiceRequest, entry.id)
    assert entry.status == RequestStatus.ROUTED and entry.dealer_id == world.dealer_a.id
    response = client.post(f"/service/{entry.id}/check",
                           data={"note": "x", "version": entry.version})
    assert response.status_code == 422  # not arranged yet
    login(world.users[Role.DEALER_ADMIN])
    planned = (utcnow().astimezone(SHANGHAI) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    client.post(f"/service/{entry.id}/arrange", data={
        "plan": "上门", "planned_for": planned, "who_goes": "张师傅", "customer_told": "y",
        "version": entry.version})
    entry = db.session.get(ServiceRequest, entry.id)
    assert client.post(f"/service/{entry.id}/close", data={
        "outcome": "x", "version": entry.version}).status_code == 422
    login(world.users[Role.CLERK])
    response = client.post(f"/service/{entry.id}/check",
                           data={"note": "已回访", "version": entry.version},
                           headers={"HX-Request": "true"})
    assert response.status_code == 303
    fragment = client.get(f"/service/{entry.id}", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and "flash-success" in text and "/close" in text
    assert "HX-Request" in fragment.headers["Vary"]
    entry = db.session.get(ServiceRequest, entry.id)
    assert client.post(f"/service/{entry.id}/close", data={
        "outcome": "更换启动机", "version": entry.version}).status_code == 303
    assert db.session.get(ServiceRequest, entry.id).status == RequestStatus.CLOSED
    actions = [a.action for a in db.session.query(AuditEntry).filter_by(
        entity_type="service_requests").order_by(AuditEntry.id)]
    assert actions == ["route", "arrange", "check", "close"]


def test_the_entry_page_lists_its_repair_records(client, login, world, db):
    unit = factories.make_unit(dealer=world.dealer_a)
    entry = factories.make_service_request(dealer=world.dealer_a, unit=unit)
    factories.make_claim(unit, number="WX2026000007", service_request_id=entry.id)
    db.session.commit()
    login(world.users[Role.DEALER_STAFF])
    assert "WX2026000007" in client.get(f"/service/{entry.id}").get_data(as_text=True)


def test_foreign_entries_answer_404(client, login, world, db):
    entry = factories.make_service_request(dealer=world.dealer_b)
    db.session.commit()
    for user in (world.users[Role.DEALER_STAFF], world.users[Role.SALES_REP]):
        login(user)
        assert client.get(f"/service/{entry.id}").status_code == 404
        assert client.post(f"/service/{entry.id}/arrange", data={"plan": "x"}).status_code == 404
    for user in (world.dealer_b_admin, world.rep_b, world.users[Role.FINANCE]):
        login(user)
        assert client.get(f"/service/{entry.id}").status_code == 200


def test_the_escalation_list_shows_late_entries_in_scope(client, login, world, db):
    late_a = factories.make_service_request(dealer=world.dealer_a,
                                            received_at=utcnow() - timedelta(hours=3))
    late_b = factories.make_service_request(dealer=world.dealer_b,
                                            received_at=utcnow() - timedelta(hours=5))
    fresh = factories.make_service_request(dealer=world.dealer_a)
    unchecked = factories.make_service_request(
        dealer=world.dealer_a, status="arranged", received_at=utcnow() - timedelta(hours=6),
        arranged_at=utcnow() - timedelta(hours=5))
    db.session.commit()
    login(world.users[Role.CLERK])
    body = client.get("/service/escalation").get_data(as_text=True)
    numbers = re.findall(r">(FW-T-\d+)</a>", body)
    assert numbers == [late_b.number, unchecked.number, late_a.number]  # the latest first
    assert fresh.number not in body and "countdown overdue" in body
    login(world.users[Role.SALES_REP])
    body = client.get("/service/escalation").get_data(as_text=True)
    assert late_a.number in body and late_b.number not in body
    login(world.users[Role.DEALER_STAFF])
    assert client.get("/service/escalation").status_code == 403
    assert late_a.number in client.get("/service/?overdue=1").get_data(as_text=True)
    overdue_link = 'href="/service/?queue=requests_late&amp;overdue=1"><b>2</b>'
    assert overdue_link in client.get("/home/dealer").get_data(
        as_text=True)


def test_the_list_pages_by_keyset_and_filters(client, login, world, db):
    unit = factories.make_unit("SBLIST01", dealer=world.dealer_a)
    start = utcnow() - timedelta(days=5)
    for n in range(30):
        factories.make_service_request(
            dealer=world.dealer_a if n % 2 else world.dealer_b, number=f"FW2026{n:06d}",
            received_at=start + timedelta(hours=n // 3), unit=unit if n == 7 else None,
            status="closed" if n % 5 == 0 else "routed")
    db.session.commit()
    login(world.users[Role.CLERK])
    seen = walk_pages(client, "/service/", r"FW\d+")
    assert sorted(seen) == sorted(f"FW2026{n:06d}" for n in range(30)) and len(seen) == 30
    assert seen[0] == "FW2026000029"  # newest received first
    login(world.users[Role.DEALER_ADMIN])
    assert len(walk_pages(client, "/service/", r"FW\d+")) == 15
    closed = walk_pages(client, "/service/?status=closed", r"FW\d+")
    assert sorted(closed) == ["FW2026000005", "FW2026000015", "FW2026000025"]
    assert walk_pages(client, "/service/?q=sblist", r"FW\d+") == ["FW2026000007"]
    assert walk_pages(client, "/service/?q=fw2026000013", r"FW\d+") == ["FW2026000013"]
    assert client.get("/service/?after=bm9wZQ&status=bogus").status_code == 200


def test_a_row_names_the_unit_and_who_it_is_routed_to_in_every_way_the_list_is_read(
        client, login, world, db):
    """The register's rows are plain columns and names (``listed``): the unit's serial, the
    dealer's code and name, the rep's name, whether listed, searched or worked as a queue."""
    clerk = world.users[Role.CLERK]
    unit = factories.make_unit(serial="SBROW001", dealer=world.dealer_a)
    to_dealer = register(world, serial=unit.serial, customer_name="行名甲")
    services.route(to_dealer, Assignee.DEALER, dealer=world.dealer_a, actor=clerk, now=NOW)
    to_rep = register(world, customer_name="行名乙")
    services.route(to_rep, Assignee.SALES_REP, rep=world.users[Role.SALES_REP], actor=clerk,
                   now=NOW)
    waiting = register(world, customer_name="行名丙")
    db.session.commit()
    login(clerk)
    for url in ("/service/", "/service/?q=行名", "/service/?queue=requests_routed&status=routed"):
        rows = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
        row = {e: re.search(rf"<tr>\s*<td[^>]*><a[^>]*>{e.number}</a>.*?</tr>", rows, re.S)
               for e in (to_dealer, to_rep, waiting)}
        assert "SBROW001" in row[to_dealer][0] and world.dealer_a.name in row[to_dealer][0], url
        assert world.users[Role.SALES_REP].display_name in row[to_rep][0], url
        if "queue" not in url:
            assert "—" in row[waiting][0] and "尚未派单" in row[waiting][0], url


@pytest.mark.parametrize("few_units", [0, 100])
def test_a_serial_finds_its_entries_whether_it_starts_few_serials_or_many(
        client, login, world, db, monkeypatch, few_units):
    """A term starting few serials names their units by key, a common one reads each entry's
    unit (``search._of_unit``): the same entries either way, in the list and in a queue."""
    monkeypatch.setattr(search, "FEW_UNITS", few_units)
    units = [factories.make_unit(f"SBFEW{n}", dealer=world.dealer_a) for n in range(2)]
    for n, unit in enumerate(units * 2):
        factories.make_service_request(dealer=world.dealer_a, number=f"FU2026{n:06d}",
                                       unit=unit, status="routed")
    factories.make_service_request(dealer=world.dealer_a, number="FU2026000009", status="routed")
    db.session.commit()
    login(world.users[Role.CLERK])
    every = [f"FU2026{n:06d}" for n in range(4)]
    assert sorted(walk_pages(client, "/service/?q=sbfew", r"FU\d+")) == every
    assert sorted(walk_pages(client, "/service/?q=SBFEW1", r"FU\d+")) == every[1::2]
    queue = "/service/?queue=requests_routed&status=routed&q=sbfew"
    assert sorted(walk_pages(client, queue, r"FU\d+")) == every
    assert walk_pages(client, "/service/?q=SBFEW7", r"FU\d+") == []


def test_a_dealers_piles_and_list_read_both_of_its_columns(client, login, world, db):
    """A dealer's entries are its own or those it received itself (re-routed elsewhere since):
    the home page's counts, taken beside the open-work indexes, and the list, which sorts the
    keys before loading the rows, both find every one."""
    late = utcnow() - timedelta(hours=30)
    factories.make_service_request(world.dealer_a, number="FW2026900001", received_at=late)
    given = factories.make_service_request(world.dealer_b, number="FW2026900002",
                                           received_at=late + timedelta(minutes=1))
    given.received_by_dealer_id = world.dealer_a.id
    for n, status in enumerate(("closed", "checked", "arranged")):
        factories.make_service_request(world.dealer_a, number=f"FW202690001{n}", status=status,
                                       received_at=late + timedelta(minutes=2 + n))
    factories.make_service_request(world.dealer_b, number="FW2026900099", received_at=late)
    db.session.commit()
    dealer = world.users[Role.DEALER_ADMIN]
    mine, overdue = piles([queues.MINE_TO_ARRANGE, queues.OVERDUE_HERE], dealer, utcnow())
    assert mine.count == 1 and overdue.count == 3  # routed to it; late: two routed, one arranged
    login(dealer)
    listed = walk_pages(client, "/service/", r"FW\d+")
    assert listed == ["FW2026900012", "FW2026900011", "FW2026900010", "FW2026900002",
                      "FW2026900001"]
    assert (walk_pages(client, "/service/?overdue=1", r"FW\d+")
            == ["FW2026900012", "FW2026900002", "FW2026900001"])


def test_a_dealers_list_merges_its_two_columns_page_by_page(app, client, login, world, db,
                                                             monkeypatch):
    """The dealer's list reads a page from each column's index and merges them: every entry
    once (those both given to it and received by it too), newest first, ties by number, across
    page boundaries."""
    at = utcnow() - timedelta(days=1)
    owners = [(world.dealer_a, None), (world.dealer_b, world.dealer_a),
              (world.dealer_a, world.dealer_a), (world.dealer_b, None)]
    for n in range(12):
        dealer, received_by = owners[n % 4]
        entry = factories.make_service_request(dealer, number=f"FW2026800{n:03d}",
                                               received_at=at + timedelta(hours=n // 2))
        entry.received_by_dealer_id = received_by.id if received_by else None
    db.session.commit()
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    login(world.users[Role.DEALER_ADMIN])
    expected = [f"FW2026800{n:03d}" for n in sorted(
        (n for n in range(12) if n % 4 != 3), key=lambda n: (-(n // 2), -n))]
    assert walk_pages(client, "/service/", r"FW\d+") == expected


def test_list_queries_do_not_grow_with_rows(client, login, world, db):
    def add(n):
        for _ in range(n):
            rep = factories.make_user(Role.SALES_REP)
            dealer = factories.make_dealer()
            late = utcnow() - timedelta(hours=3)
            factories.make_service_request(dealer=dealer, unit=factories.make_unit(dealer=dealer),
                                           received_at=late)
            entry = factories.make_service_request(status="routed", received_at=late)
            entry.assignee, entry.assigned_user_id = Assignee.SALES_REP, rep.id
        db.session.commit()

    def count(url):
        with QueryCounter(db.engine) as counter:
            assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
        return counter.count

    login(world.users[Role.CLERK])
    add(2)
    count("/service/")
    few = [count("/service/"), count("/service/escalation")]
    add(10)
    assert [count("/service/"), count("/service/escalation")] == few


def test_home_pages_show_the_registers_counts(client, login, world, db):
    factories.make_service_request(status="new")
    factories.make_service_request(dealer=world.dealer_a)
    db.session.commit()
    login(world.users[Role.CLERK])
    body = client.get("/home/clerk").get_data(as_text=True)
    assert 'href="/service/?queue=requests_new&amp;status=new"><b>1</b>' in body
    login(world.users[Role.TECHNICAL])
    assert "/service/escalation" in client.get("/home/technical").get_data(as_text=True)
    login(world.users[Role.DEALER_STAFF])
    body = client.get("/home/dealer").get_data(as_text=True)
    assert 'href="/service/?queue=requests_mine&amp;status=routed&amp;mine=1"><b>1</b>' in body


def test_the_menu_and_the_script(client, login, world):
    login(world.users[Role.FINANCE])
    body = client.get("/service/").get_data(as_text=True)
    assert 'href="/service/" aria-current="page"' in body
    assert "js/countdown.js" in body and "<script>" not in body
    script = client.get("/static/js/countdown.js").get_data(as_text=True)
    assert "data-" in script and "setInterval" in script


def test_phone_digits_follow_the_number_as_written(world, db):
    entry = factories.make_service_request(customer_phone="+86 138-1234 5678")
    assert entry.phone_digits == "8613812345678"
    entry.customer_phone = "(0531) 8888-1234"
    db.session.flush()
    assert db.session.scalar(sa.select(ServiceRequest.phone_digits)
                             .where(ServiceRequest.id == entry.id)) == "053188881234"


@pytest.mark.parametrize("recent", [3, 2000])  # found among the newest, or by the indexes
def test_search_finds_number_name_start_phone_and_serial(client, login, world, db, monkeypatch,
                                                         recent):
    monkeypatch.setattr(search, "RECENT", recent)
    unit = factories.make_unit("SBFIND01", dealer=world.dealer_a)
    start = utcnow() - timedelta(days=5)
    for n in range(40):
        factories.make_service_request(
            dealer=world.dealer_a, number=f"FW2026{n:06d}",
            received_at=start + timedelta(hours=n),
            customer_name="王伟" if n % 10 == 3 else "赵六",
            customer_phone=f"138-1234-{n:04d}" if n in (5, 35) else "13900000000",
            unit=unit if n == 8 else None)
    db.session.commit()
    login(world.users[Role.CLERK])
    assert walk_pages(client, "/service/?q=13812340005", r"FW\d+") == ["FW2026000005"]
    assert walk_pages(client, "/service/?q=138 1234", r"FW\d+") == ["FW2026000035",
                                                                    "FW2026000005"]
    assert walk_pages(client, "/service/?q=王", r"FW\d+") == [
        "FW2026000033", "FW2026000023", "FW2026000013", "FW2026000003"]
    assert walk_pages(client, "/service/?q=伟", r"FW\d+") == []  # the start of the name
    assert walk_pages(client, "/service/?q=sbfind", r"FW\d+") == ["FW2026000008"]
    assert walk_pages(client, "/service/?q=fw202600001", r"FW\d+") == [
        f"FW2026{n:06d}" for n in range(19, 9, -1)]
    every = walk_pages(client, "/service/?q=1", r"FW\d+")  # all phones start with 1
    assert every == [f"FW2026{n:06d}" for n in range(39, -1, -1)]
    login(world.users[Role.DEALER_ADMIN])
    assert len(walk_pages(client, "/service/?q=赵", r"FW\d+")) == 36
