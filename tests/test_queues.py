"""Work queues: for every queue, the count a tile or home page shows equals the rows of the
list its link opens, for a dealer, a rep and head office; lists people work down are oldest
first."""

import re
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from portal.accounts.roles import DEALER_ROLES, Role
from portal.catalog.models import Season, SeasonKind
from portal.claims.models import FinanceStage, FlagKind, UnitFlag
from portal.core.db import utcnow
from portal.core.queues import REGISTRY, TILE_CAP, Pile, day_of, piles
from portal.deliveries.services import create_note
from portal.extensions import db
from portal.finance import lifecycle
from portal.finance.notices import issue_notice
from portal.planning.models import PlanStatus, StockingPlan
from portal.returns.models import OwedStatus
from portal.service.models import Channel, Complaint, ComplaintStatus, ReturnVisit, VisitStatus
from portal.stock.models import StockReturnReason, StockReturnStatus
from portal.stock.services import request_return
from tests import builders, factories
from tests.case_builders import completed_case

# Every domain's queues, declared (the app imports them with its views).
__import__("portal.claims.queues"), __import__("portal.finance.queues")
__import__("portal.returns.queues"), __import__("portal.service.queues")
__import__("portal.deliveries.queues"), __import__("portal.stock.queues")
__import__("portal.planning.queues"), __import__("portal.cases.queues")

HX = {"HX-Request": "true"}
ROW = re.compile(r"<tr[^>]*>\s*<td(?![^>]*colspan)")  # a record's row: not a note, not "more"


def _claim(dealer, status, days_ago, now, **values):
    claim = factories.make_claim(factories.make_unit(dealer=dealer), status=status, **values)
    claim.submitted_at = claim.decided_at = now - timedelta(days=days_ago)
    return claim


def _claims(dealer, days, now):
    """Claims in every claim queue: to decide, a sample, a draft, to forward, to audit."""
    _claim(dealer, "submitted", days, now)
    _claim(dealer, "under_review", days + 2, now)
    _claim(dealer, "approved", days, now, sampled=True, decided_by_rules=True)
    _claim(dealer, "draft", days, now)
    _claim(dealer, "partly_approved", days + 1, now)
    forwarded = _claim(dealer, "approved", days, now)
    forwarded.finance_stage, forwarded.forwarded_at = FinanceStage.FORWARDED, now


def _returns(dealer, today):
    """Parts in every returns queue: to judge, overdue, in a shipment to receive."""
    judged, late, shipped = factories.make_owed_parts(dealer, 3)
    judged.status, judged.received_on = OwedStatus.RECEIVED, today - timedelta(days=3)
    late.due_on = today - timedelta(days=10)
    shipped.due_on = today + timedelta(days=30)
    factories.make_return_shipment([shipped], shipped_on=today - timedelta(days=2))


def _service(dealer, now):
    """Register entries in every register queue, and follow-up work."""
    factories.make_service_request(dealer, status="new", received_at=now - timedelta(minutes=5))
    factories.make_service_request(dealer, received_at=now - timedelta(minutes=20))
    factories.make_service_request(dealer, received_at=now - timedelta(hours=5))  # overdue
    factories.make_service_request(dealer, status="arranged",
                                   received_at=now - timedelta(hours=1),
                                   arranged_at=now - timedelta(minutes=30))
    claim = _claim(dealer, "approved", 20, now)
    for due in (day_of(now) - timedelta(days=1), day_of(now) + timedelta(days=5)):
        db.session.add(ReturnVisit(claim=claim if due < day_of(now) else _claim(
            dealer, "approved", 20, now), dealer_id=dealer.id, unit_id=claim.unit_id,
            status=VisitStatus.OPEN, due_on=due))
    for status in (ComplaintStatus.OPEN, ComplaintStatus.ESCALATED, ComplaintStatus.RESOLVED):
        db.session.add(Complaint(
            number=f"TS-Q-{dealer.code}-{status.value}", channel=Channel.PHONE,
            received_at=now - timedelta(days=2), customer_name="王五", description="投诉",
            status=status, dealer=dealer, registered_by_id=factories._any_user_id()))
    db.session.add(UnitFlag(unit=claim.unit, kind=FlagKind.EXCHANGE, claim=claim,
                            raised_at=now - timedelta(days=1), detail="修理超过三十个工作日"))


def _notices(dealer, world, now):
    """One notice waiting for the dealer, one disputed."""
    finance = world.users[Role.FINANCE]
    for month, disputed in ((9, False), (10, True)):
        claim = _claim(dealer, "approved", 60, now, total_finance=Decimal("100.00"),
                       lines=[{"kind": "other", "amount": Decimal("100.00"),
                               "approved_amount": Decimal("100.00"),
                               "finance_amount": Decimal("100.00"), "decision": "approved"}])
        claim.finance_stage, claim.finance_on = FinanceStage.APPROVED, date(2026, month, 15)
        db.session.flush()
        notice = issue_notice(dealer.id, date(2026, month, 1), date(2026, month, 28),
                              actor=finance, with_pdf=False)
        if disputed:
            staff = world.dealer_b_admin if dealer == world.dealer_b else \
                world.users[Role.DEALER_ADMIN]
            lifecycle.dispute_notice(notice, "金额不符", actor=staff)


def _stock_and_deliveries(dealer, staff, world, now):
    """Delivery notes waiting (one overdue); stock returns requested and approved."""
    for days in (12, 2):
        create_note(dealer, day_of(now) - timedelta(days=days),
                    units=[factories.make_unit(dealer=None, shipped_on=None)], parts=[],
                    actor=world.users[Role.CLERK], carrier="鲁A12345")
    for approved in (False, True):
        ret = request_return(factories.make_unit(dealer=dealer), StockReturnReason.DEFECTIVE,
                             "发动机无法启动", actor=staff, now=now - timedelta(days=3))
        if approved:
            ret.status, ret.decided_at = StockReturnStatus.APPROVED, now - timedelta(days=1)


def _plans(world, now):
    """A plan submitted by each dealer for one season, dealer A's first."""
    season = Season(name="队列季", kind=SeasonKind.OPERATING, start_on=date(2027, 3, 10),
                    end_on=date(2027, 6, 15), categories=["tractor_large"])
    for dealer, hours in ((world.dealer_a, 30), (world.dealer_b, 3)):
        db.session.add(StockingPlan(season=season, dealer_id=dealer.id,
                                    status=PlanStatus.SUBMITTED,
                                    submitted_at=now - timedelta(hours=hours),
                                    created_by_id=factories._any_user_id()))


def _head_office_parts(dealer, world, today):
    """A head-office repair on a unit of the dealer: three old parts owed by no dealer, to be
    taken in by hand (one taken in would wait for a verdict, head office's alone too)."""
    builders.claim_owing_parts(dealer, world.users[Role.TECHNICAL], today=today)


def _cases(dealer, days, world, now):
    """A refund case at every stage: to decide, to carry out, its machine to receive, to
    inspect, and done."""
    for stage in builders.CASE_STAGES:
        builders.refund_case(dealer, stage, clerk=world.users[Role.CLERK],
                             technical=world.users[Role.TECHNICAL],
                             now=now - timedelta(days=days))


@pytest.fixture
def work(world):
    """Work in every queue at both dealers (dealer A's older), committed for the pages."""
    now = utcnow()
    for dealer, days in ((world.dealer_a, 9), (world.dealer_b, 4)):
        _claims(dealer, days, now)
        _returns(dealer, day_of(now))
        _service(dealer, now)
        _notices(dealer, world, now)
        _cases(dealer, days, world, now)
        _head_office_parts(dealer, world, day_of(now))
        # a case completed, its machine back: its settlement waits for finance
        completed_case(world, "refund", day_of(now) - timedelta(days=days), dealer=dealer)
    _stock_and_deliveries(world.dealer_a, world.users[Role.DEALER_STAFF], world, now)
    _stock_and_deliveries(world.dealer_b, world.dealer_b_admin, world, now)
    _plans(world, now)
    db.session.commit()
    return now


def rows(body: str) -> int:
    return len(ROW.findall(body))


def _holders(queue) -> list[Role]:
    """The roles that work ``queue``, asked through its predicate, in the roles' order."""
    return [role for role in Role if queue.held_by(SimpleNamespace(role=role))]


def _viewers(world, queue):
    """A dealer's user, a rep and head office: a head-office role the queue is for, else the
    administrator."""
    head_office = next((world.users[role] for role in _holders(queue) if not role.is_dealer),
                       world.users[Role.ADMIN])
    dealer = world.users[next((r for r in _holders(queue) if r.is_dealer), DEALER_ROLES[0])]
    return {"dealer": dealer, "rep": world.users[Role.SALES_REP], "head office": head_office}


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_each_queue_counts_what_its_list_shows(client, login, world, work, name):
    queue = REGISTRY[name]
    opened = 0
    for who, user in _viewers(world, queue).items():
        if (name, who) == ("audit", "rep"):  # finance's list shows a rep only its own tabs
            continue
        pile = queue.pile(user, utcnow())
        login(user)
        response = client.get(queue.url(), headers=HX)
        if response.status_code in (403, 404):  # the list is not theirs (nor the count)
            continue
        assert response.status_code == 200, (who, response.status_code)
        assert rows(response.get_data(as_text=True)) == pile.count, (name, who)
        opened += 1
    assert opened, f"nobody could open {name}'s list"


def _worker(world, queue):
    """A user of a role the queue is for (a dealer's at dealer A)."""
    return world.users[_holders(queue)[0]]


def test_every_queue_has_work(world, work):
    """The fixture puts something in each queue (else the tests here would prove little)."""
    for queue in REGISTRY.values():
        assert queue.pile(_worker(world, queue), work).count, queue.name


def test_counting_several_queues_at_once_agrees_with_each(world, work):
    clerk, rep = world.users[Role.CLERK], world.users[Role.SALES_REP]
    for user in (clerk, rep):
        queues = list(REGISTRY.values())
        by_scope = piles(queues, user, work)
        assert by_scope == [queue.pile(user, work) for queue in queues]


def test_a_capped_count_agrees_up_to_its_cap(world, work):
    """Capped (a home page's tile), each queue counts as it does in full up to the cap, says
    when more wait, and has the same oldest item."""
    admin = world.users[Role.ADMIN]
    for queue in REGISTRY.values():
        user = _worker(world, queue) if queue.name == "requests_mine" else admin
        full = queue.pile(user, work)
        assert queue.pile(user, work, cap=full.count) == full, queue.name
        if full.count:
            capped = queue.pile(user, work, cap=full.count - 1)
            assert (capped.count, capped.more) == (full.count - 1, True), queue.name
            assert capped.oldest == full.oldest, queue.name
    # Several queues capped together (one statement) count each as it does alone.
    queues = [q for q in REGISTRY.values() if q.name != "requests_mine"]
    assert piles(queues, admin, work, cap=3) == [q.pile(admin, work, cap=3) for q in queues]


def test_a_capped_count_without_the_oldest_counts_the_same(world, work):
    """``oldest=False`` (a tile that shows no date) counts as the capped count does, without
    the oldest item; an empty list of queues asks nothing."""
    admin = world.users[Role.ADMIN]
    queues = [q for q in REGISTRY.values() if q.name != "requests_mine"]
    for cap in (1, TILE_CAP):
        with_oldest = piles(queues, admin, work, cap=cap)
        assert piles(queues, admin, work, cap=cap, oldest=False) == [
            Pile(p.count, None, p.more) for p in with_oldest]
    assert piles([], admin, work, cap=3, oldest=False) == []


def test_the_service_tiles_say_when_more_wait_than_they_count(client, login, world, work,
                                                               monkeypatch):
    """The register's tiles on a home page are capped as the others: the cap and a plus."""
    from portal.service import views

    admin = world.users[Role.ADMIN]
    counts = {name: REGISTRY[name].pile(admin, work).count
              for name in ("requests_new", "requests_arranged")}
    login(admin)

    def tiles():
        page = client.get("/home/admin").get_data(as_text=True)
        return {name: re.search(rf'queue={name}[^"]*"><b>([^<]*)</b>', page)[1]
                for name in counts}

    assert tiles() == {name: str(count) for name, count in counts.items()}
    cap = min(counts.values()) - 1
    assert cap >= 0
    monkeypatch.setattr(views, "TILE_CAP", cap)
    assert tiles() == {name: f"{cap}+" for name in counts}


def test_the_clerks_tiles_say_when_more_wait_than_they_count(client, login, world, work,
                                                              monkeypatch):
    """Past the cap a tile shows the cap and a plus; below it, the count."""
    from portal.home import views
    from portal.service import followup_todo

    clerk = world.users[Role.CLERK]
    visits, incoming = (REGISTRY[name].pile(clerk, work).count
                        for name in ("visits_due", "receive"))
    login(clerk)
    page = client.get("/home/clerk").get_data(as_text=True)
    for name, count in (("visits_due&amp;status=open", visits), ("receive", incoming)):
        assert f'queue={name}"><b>{count}</b>' in page, name
    cap = min(visits, incoming) - 1
    monkeypatch.setattr(views, "TILE_CAP", cap)
    monkeypatch.setattr(followup_todo, "TILE_CAP", cap)
    page = client.get("/home/clerk").get_data(as_text=True)
    for name in ("visits_due&amp;status=open", "receive"):
        assert f'queue={name}"><b>{cap}+</b>' in page, name


def test_a_rep_counts_only_its_dealers(world, work):
    rep, admin = world.users[Role.SALES_REP], world.users[Role.ADMIN]
    dealer_a, dealer_b = world.users[Role.DEALER_ADMIN], world.dealer_b_admin
    for queue in REGISTRY.values():
        if queue.name in ("requests_mine", "visits_due"):  # the user's own; none for dealers
            continue
        if queue.name == "parts_to_take_in":  # owed by no dealer: head office's alone
            assert queue.pile(rep, work).count == queue.pile(dealer_a, work).count == 0
            continue
        of_a, of_b = queue.pile(dealer_a, work).count, queue.pile(dealer_b, work).count
        assert queue.pile(rep, work).count == of_a, queue.name
        assert queue.pile(admin, work).count == of_a + of_b, queue.name


@pytest.mark.parametrize("name", [name for name, queue in REGISTRY.items()
                                  if not queue.newest_first])
def test_worked_down_queues_list_the_oldest_first(world, work, name):
    """In each queue's order (the date it waits since, or the record's age), the oldest comes
    first."""
    queue = REGISTRY[name]
    user = _worker(world, queue) if name == "requests_mine" else world.users[Role.ADMIN]
    order = list(db.session.execute(
        queue.ordered(user, work).with_only_columns(queue.sort)).scalars())
    assert len(order) > 1 and order == sorted(order)
    if queue.sort is queue.since:
        assert order[0] == queue.pile(user, work).oldest


def test_the_queue_param_is_kept_when_paging(app, client, login, world, work):
    admin = world.users[Role.ADMIN]
    app.config["PAGE_SIZE"] = 1
    try:
        login(admin)
        body = client.get(REGISTRY["review"].url(), headers=HX).get_data(as_text=True)
    finally:
        app.config["PAGE_SIZE"] = 25
    assert rows(body) == 1 and "queue=review" in body.split('id="more-row"')[1]


def test_a_list_not_opened_for_a_queue_is_unchanged(client, login, world, work):
    login(world.users[Role.ADMIN])
    body = client.get("/claims/?status=review", headers=HX).get_data(as_text=True)
    numbers = re.findall(r">(WX-T-\d+)</a>", body)
    assert len(numbers) == 4 and numbers == sorted(numbers, reverse=True)  # newest first
