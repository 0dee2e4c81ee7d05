"""The 2 h to arrange a service request run from when the task reaches its assignee: the
routing, and again on each re-routing; a dealer's own request from when it came in; head
office's entry not routed yet from receipt."""

from datetime import UTC, datetime, timedelta

from portal.accounts.roles import Role
from portal.core.audit import AuditEntry
from portal.extensions import db as _db
from portal.service import deadlines, services
from portal.service.models import Assignee, Channel, RequestStatus, Urgency

RECEIVED = datetime(2027, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
TWO_HOURS = timedelta(hours=2)


def register(world, role=Role.CLERK, now=RECEIVED + timedelta(minutes=5)):
    return services.register(
        {"channel": Channel.PHONE, "received_at": RECEIVED, "customer_name": "刘大伟",
         "customer_phone": "13912345678", "location": "王舍人镇", "description": "收割机割台不转",
         "urgency": Urgency.URGENT}, actor=world.users[role], now=now)


def arrange(entry, world, role, now):
    services.arrange(entry, {"plan": "上门更换传动带", "planned_for": now + timedelta(hours=3),
                             "who_goes": "王师傅", "customer_told": True},
                     actor=world.users[role], now=now)


def test_an_unrouted_entry_runs_against_the_deadline_from_receipt(world):
    entry = register(world)
    assert entry.status == RequestStatus.NEW
    assert entry.arrange_due_at == RECEIVED + TWO_HOURS
    assert deadlines.is_arrange_overdue(entry, RECEIVED + TWO_HOURS + timedelta(seconds=1))


def test_routing_starts_the_two_hours_for_the_assignee(world):
    entry = register(world)
    routed = RECEIVED + timedelta(minutes=90)
    services.route(entry, Assignee.DEALER, dealer=world.dealer_a, actor=world.users[Role.CLERK],
                   now=routed)
    assert entry.arrange_due_at == routed + TWO_HOURS
    after_receipt_deadline = RECEIVED + TWO_HOURS + timedelta(minutes=30)
    assert not deadlines.is_overdue(entry, after_receipt_deadline)
    assert _db.session.scalars(deadlines.escalation_query(after_receipt_deadline)).all() == []
    arrange(entry, world, Role.DEALER_STAFF, routed + TWO_HOURS)  # at its very instant
    assert not deadlines.arranged_late(entry)


def test_re_routing_starts_the_two_hours_again_and_says_so_in_the_trail(world):
    entry = register(world)
    clerk = world.users[Role.CLERK]
    services.route(entry, Assignee.DEALER, dealer=world.dealer_a, actor=clerk,
                   now=RECEIVED + timedelta(minutes=10))
    rerouted = RECEIVED + timedelta(minutes=100)
    services.route(entry, Assignee.TECHNICAL, actor=clerk, now=rerouted, reason="需要技术部诊断")
    assert entry.arrange_due_at == rerouted + TWO_HOURS
    assert entry.check_due_at == rerouted + timedelta(hours=4)
    trail = _db.session.scalars(_db.select(AuditEntry).where(
        AuditEntry.entity_type == "service_requests", AuditEntry.action == "reroute")).one()
    assert trail.changes["arrange_due_at"][1] == "2027-03-02 12:40"  # Shanghai time
    late = rerouted + TWO_HOURS + timedelta(seconds=1)
    assert deadlines.is_arrange_overdue(entry, late)
    arrange(entry, world, Role.TECHNICAL, late)
    assert deadlines.arranged_late(entry)


def test_a_dealers_own_request_reached_it_when_it_came_in(world):
    entry = register(world, role=Role.DEALER_STAFF, now=RECEIVED + timedelta(minutes=40))
    assert entry.status == RequestStatus.ROUTED
    assert entry.arrange_due_at == RECEIVED + TWO_HOURS
    assert entry.check_due_at == RECEIVED + timedelta(minutes=40, hours=4)
