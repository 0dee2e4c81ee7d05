"""Return visits, complaints and entitlement flags: rules, pages, scoping, demo data."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from portal.accounts.roles import Role
from portal.claims.models import ClaimStatus, FlagKind, UnitFlag
from portal.core.audit import AuditEntry
from portal.core.db import shanghai_today
from portal.core.errors import DomainError
from portal.extensions import db
from portal.finance.audit import return_to_technical
from portal.service import complaints, visit_tallies, visits
from portal.service.entitlements import resolve_flag
from portal.service.models import (
    Channel,
    Complaint,
    ComplaintStatus,
    ReturnVisit,
    VisitDayTally,
)
from portal.workflow import claims as workflow
from tests import factories
from tests.helpers import QueryCounter, walk_pages

NOW = datetime(2025, 8, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
def login(login, client):
    """Sign in and read the pages in English, so messages are asserted in their source text."""

    def in_english(user):
        login(user)
        client.post("/language", data={"lang": "en"})

    return in_english


def repair(dealer, *, status="submitted", completed_on=date(2025, 8, 3), card=True, **values):
    unit = factories.make_unit(dealer=dealer)
    if card:
        factories.make_card(unit, buyer_name="李四", buyer_phone="13900001111")
    return factories.make_claim(unit, status=status, completed_on=completed_on,
                                lines=[("labour", Decimal("80.00"))], **values)


def entries(obj, action):
    return (AuditEntry.query.filter_by(entity_type=obj.__tablename__, entity_id=str(obj.id),
                                       action=action).order_by(AuditEntry.id).all())


# --- Return visits: the rules ---------------------------------------------------------------

def test_opening_a_visit_is_idempotent_and_due_after_the_customer_used_the_machine(world, db):
    claim = repair(world.dealer_a)
    visit = visits.open_return_visit(claim, today=date(2025, 8, 4))
    assert visit.due_on == date(2025, 8, 6)  # completed 3 Aug + 3 days
    assert (visit.dealer_id, visit.unit_id, visit.status) == (claim.dealer_id, claim.unit_id,
                                                              "open")
    again = visits.open_return_visit(claim, today=date(2025, 9, 1))
    assert again.id == visit.id and again.due_on == date(2025, 8, 6)
    assert db.session.query(ReturnVisit).filter_by(claim_id=claim.id).count() == 1
    assert len(entries(visit, "create")) == 1


def test_a_late_reported_repair_is_due_today_not_overdue(world):
    late = visits.open_return_visit(repair(world.dealer_a), today=date(2025, 9, 1))
    unknown = visits.open_return_visit(repair(world.dealer_a, completed_on=None),
                                       today=date(2025, 9, 1))
    assert late.due_on == unknown.due_on == date(2025, 9, 1)


@pytest.fixture
def visit(world):
    return visits.open_return_visit(repair(world.dealer_a), today=date(2025, 8, 4))


@pytest.mark.parametrize("reached, score, ok", [
    (True, 0, False), (True, 1, True), (True, 5, True), (True, 6, False),
    (True, None, False), (False, 3, False), (False, None, True),
])
def test_call_rules_at_their_boundaries(world, visit, reached, score, ok):
    clerk = world.users[Role.CLERK]
    if not ok:
        with pytest.raises(DomainError) as refused:
            visits.record_call(visit, reached=reached, satisfaction=score, comment="",
                               actor=clerk, now=NOW)
        assert refused.value.field == "satisfaction"
        assert visit.attempts == 0 and visit.status == "open"
        return
    visits.record_call(visit, reached=reached, satisfaction=score, comment=" 好 ",
                       actor=clerk, now=NOW)
    assert (visit.reached, visit.satisfaction, visit.comment) == (reached, score, "好")
    assert visit.called_by_id == clerk.id and visit.attempts == 1
    assert visit.status == ("done" if reached else "open")


def test_unanswered_calls_are_tried_daily_and_close_after_the_third(world, visit):
    clerk = world.users[Role.CLERK]
    for n in (1, 2):
        visits.record_call(visit, reached=False, satisfaction=None, comment="无人接听",
                           actor=clerk, now=NOW + timedelta(days=n - 1))
        assert visit.status == "open" and visit.attempts == n
        assert visit.due_on == date(2025, 8, 10) + timedelta(days=n)  # the next day
    visits.record_call(visit, reached=False, satisfaction=None, comment="关机", actor=clerk,
                       now=NOW + timedelta(days=2))
    assert visit.status == "done" and visit.reached is False and visit.attempts == 3
    with pytest.raises(DomainError):
        visits.record_call(visit, reached=True, satisfaction=5, comment="", actor=clerk,
                           now=NOW + timedelta(days=3))
    calls = entries(visit, "call")
    assert [(e.from_state, e.to_state) for e in calls] == [("open", "open")] * 2 + [
        ("open", "done")]
    assert calls[-1].reason == "关机" and calls[-1].changes["attempts"] == [2, 3]


def _visited(dealer, clerk, *, status="approved", completed_on=date(2025, 8, 3), score=None,
             reached=True, tries=1):
    claim = repair(dealer, status=status, completed_on=completed_on)
    visit = visits.open_return_visit(claim, today=completed_on)
    for _n in range(tries if score is not None or not reached else 0):
        visits.record_call(visit, reached=reached, satisfaction=score, comment="",
                           actor=clerk, now=NOW)
    return visit


def test_rate_and_satisfaction_on_a_known_set(world):
    clerk, a = world.users[Role.CLERK], world.dealer_a
    for score in (5, 4, 2):
        _visited(a, clerk, score=score)
    _visited(a, clerk, reached=False, tries=3)  # never reached
    _visited(a, clerk, status="submitted")  # still to call
    _visited(a, clerk, status="draft", score=1)  # not reported: not counted
    _visited(a, clerk, status="rejected", score=1)  # not an in-warranty repair
    _visited(a, clerk, completed_on=date(2025, 6, 1), score=1)  # outside the period
    _visited(world.dealer_b, clerk, score=1)  # another dealer
    db.session.flush()
    stats = visits.visit_stats([a.id], start=date(2025, 8, 1), end=date(2025, 8, 31))
    assert (stats.repairs, stats.reached, stats.not_reached, stats.rated) == (5, 3, 1, 3)
    assert stats.rate == 60 and not stats.rate_ok
    assert stats.average == pytest.approx(11 / 3)
    assert stats.satisfied == 2 and stats.satisfied_share == pytest.approx(200 / 3)
    everyone = visits.visit_stats(start=date(2025, 8, 1), end=date(2025, 8, 31))
    assert everyone.repairs == 6 and everyone.average == pytest.approx(12 / 4)
    assert visits.visit_stats(start=date(2025, 8, 1), end=date(2025, 8, 31),
                              dealer_id=world.dealer_b.id).repairs == 1


def test_visit_tallies_stay_exact_after_every_service_that_moves_them(world):
    """Each service that changes what the tallies count (a call, a decision, the rep's return
    to the technical department, a send-back) leaves them as a recount from the claims makes
    them; a claim changed behind the services' back is what ``drift`` reports."""
    clerk, tech, rep = (world.users[r] for r in (Role.CLERK, Role.TECHNICAL, Role.SALES_REP))
    a = world.dealer_a
    _visited(a, clerk, score=5)
    _visited(a, clerk, reached=False, tries=3)
    _visited(world.dealer_b, clerk, status="draft")
    assert visit_tallies.drift() == {}
    pending = _visited(a, clerk, status="submitted", completed_on=date(2025, 8, 5))
    visits.record_call(pending, reached=True, satisfaction=2, comment="", actor=clerk, now=NOW)
    assert visit_tallies.drift() == {}
    assert _day(date(2025, 8, 5)) == (1, 1, 0, 1, 2, 0)
    claim = pending.claim
    workflow.decide(claim, {line.id: {"decision": "rejected", "reject_code": "misuse"}
                                  for line in claim.lines}, actor=tech)
    assert visit_tallies.drift() == {} and _day(date(2025, 8, 5)) == (0,) * 6
    return_to_technical(claim, "复核", actor=rep)
    assert visit_tallies.drift() == {} and _day(date(2025, 8, 5)) == (1, 1, 0, 1, 2, 0)
    workflow.send_back(claim, "补照片", actor=tech)
    assert visit_tallies.drift() == {} and _day(date(2025, 8, 5)) == (0,) * 6
    assert _day(date(2025, 8, 3)) == (2, 1, 1, 1, 5, 1)
    claim.status = ClaimStatus.SUBMITTED  # not through a service: nothing follows
    assert visit_tallies.drift() == {(date(2025, 8, 5), a.id): ((0,) * 6, (1, 1, 0, 1, 2, 0)),
                                     (date(2025, 8, 5),): ((0,) * 6, (1, 1, 0, 1, 2, 0))}
    visit_tallies.rebuild()
    assert visit_tallies.drift() == {}


def _day(day: date) -> tuple:
    row = db.session.get(VisitDayTally, day)
    return tuple(getattr(row, name) for name in visit_tallies.FIGURES) if row else (0,) * 6


# --- Return visits: the pages ---------------------------------------------------------------

def test_clerk_lists_visits_oldest_due_first_page_by_page(app, client, login, world,
                                                          monkeypatch):
    for day in (9, 3, 7, 5, 1):
        visits.open_return_visit(repair(world.dealer_a, completed_on=date(2025, 8, day)),
                                 today=date(2025, 8, 1))
    visits.open_return_visit(repair(world.dealer_b), today=date(2025, 8, 20))
    factories.db.session.commit()
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    login(world.users[Role.CLERK])
    seen = walk_pages(client, f"/followup/visits?dealer={world.dealer_a.id}",
                      r"\d{4}-\d\d-\d\d")
    assert seen == ["2025-08-04", "2025-08-06", "2025-08-08", "2025-08-10", "2025-08-12"]
    assert len(walk_pages(client, "/followup/visits", r"\d{4}-\d\d-\d\d")) == 6


def test_visit_list_shows_rate_and_satisfaction_with_fixed_queries(client, login, world, db):
    clerk = world.users[Role.CLERK]
    login(clerk)
    today = shanghai_today()

    def add(n):
        for _n in range(n):
            _visited(world.dealer_a, clerk, completed_on=today - timedelta(days=5), score=5)
            visits.open_return_visit(repair(world.dealer_a, completed_on=today), today=today)
        db.session.commit()

    def queries(url):
        with QueryCounter(db.engine) as counter:
            assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
        return counter.count

    add(2)
    urls = ["/followup/visits?status=open", "/followup/visits?status=done"]
    few = [queries(url) for url in urls]
    add(6)
    assert [queries(url) for url in urls] == few
    body = client.get("/followup/visits?status=done").get_data(as_text=True)
    assert "李四" in body and 'href="tel:13900001111"' in body
    stats = re.search(r'aria-label="Return visit results">(.*?)</section>', body, re.S)[1]
    assert re.findall(r"<b[^>]*>([^<]+)</b>", stats) == ["16", "50 %", "5.00", "100.0 %"]


def test_visit_rows_show_the_card_in_force_not_a_void_one(client, login, world, db):
    today = shanghai_today()
    voided = repair(world.dealer_a, completed_on=today, card=False)
    factories.make_card(voided.unit, status="void", buyer_name="王五", buyer_phone="13700000000")
    resold = repair(world.dealer_a, completed_on=today, card=False)
    factories.make_card(resold.unit, status="void", buyer_name="赵六", buyer_phone="13600000000")
    factories.make_card(resold.unit, buyer_name="钱七", buyer_phone="13500000000")
    for claim in (voided, resold):
        visits.open_return_visit(claim, today=today)
    db.session.commit()
    login(world.users[Role.CLERK])
    rows = re.findall(r"<tr>(.*?)</tr>", client.get(
        "/followup/visits", headers={"HX-Request": "true"}).get_data(as_text=True), re.S)
    by_claim = {claim.number: next(r for r in rows if claim.number in r)
                for claim in (voided, resold)}
    assert "王五" not in by_claim[voided.number] and "<td>—</td>" in by_claim[voided.number]
    assert voided.unit.serial in by_claim[voided.number]
    assert world.dealer_a.code in by_claim[voided.number]
    assert "钱七" in by_claim[resold.number] and "赵六" not in by_claim[resold.number]
    assert 'href="tel:13500000000"' in by_claim[resold.number]


def test_call_form_with_htmx_errors_in_place_then_redirects(client, login, world, visit):
    login(world.users[Role.CLERK])
    url = f"/followup/visits/{visit.id}/call"
    htmx = {"HX-Request": "true"}
    page = client.get(f"/followup/visits/{visit.id}").get_data(as_text=True)
    assert 'href="tel:13900001111"' in page and 'hx-post="' + url in page
    seen = str(visit.version)
    bad = client.post(url, data={"reached": "1", "comment": "x", "version": seen}, headers=htmx)
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert "<html" not in body and "1 to 5" in body
    wrong = client.post(url, data={"reached": "0", "satisfaction": "4", "version": seen},
                        headers=htmx)
    assert wrong.status_code == 422 and "Leave satisfaction empty" in wrong.get_data(True)
    assert f'name="version" type="hidden" value="{visit.version}"' in page
    stale = client.post(url, data={"reached": "0", "version": str(visit.version - 1)},
                        headers=htmx)
    assert stale.status_code == 422 and "Someone else changed" in stale.get_data(True)
    good = client.post(url, data={"reached": "1", "satisfaction": "2", "comment": "还在漏油",
                                  "version": str(visit.version)}, headers=htmx)
    assert good.status_code == 204 and good.headers["HX-Redirect"] == "/followup/visits"
    factories.db.session.refresh(visit)
    assert visit.satisfaction == 2 and visit.status == "done"
    page = client.get(f"/followup/visits/{visit.id}").get_data(as_text=True)
    assert "/followup/complaints/new?claim=" in page  # a poor score invites a complaint


def test_visit_call_without_htmx_redirects(client, login, world, visit):
    login(world.users[Role.ADMIN])
    missing = client.post(f"/followup/visits/{visit.id}/call", data={"reached": "0"})
    assert missing.status_code == 422 and "Someone else changed" in missing.get_data(True)
    response = client.post(f"/followup/visits/{visit.id}/call",
                           data={"reached": "0", "version": str(visit.version)})
    assert response.status_code == 303 and response.headers["Location"] == "/followup/visits"


def test_dealers_see_only_their_results_reps_their_dealers(client, login, world):
    clerk = world.users[Role.CLERK]
    done_a = _visited(world.dealer_a, clerk, score=4)
    open_a = visits.open_return_visit(repair(world.dealer_a), today=date(2025, 8, 4))
    done_b = _visited(world.dealer_b, clerk, score=3)
    factories.db.session.commit()
    login(world.users[Role.DEALER_STAFF])
    body = client.get("/followup/visits?status=open").get_data(as_text=True)
    assert done_a.claim.number in body and open_a.claim.number not in body
    assert done_b.claim.number not in body and "Record the call" not in body
    assert client.get(f"/followup/visits/{done_a.id}").status_code == 200
    assert client.get(f"/followup/visits/{open_a.id}").status_code == 404
    assert client.get(f"/followup/visits/{done_b.id}").status_code == 404
    login(world.rep_b)
    assert client.get(f"/followup/visits/{done_a.id}").status_code == 404
    body = client.get("/followup/visits?status=done").get_data(as_text=True)
    assert done_b.claim.number in body and done_a.claim.number not in body
    assert client.post(f"/followup/visits/{done_b.id}/call", data={}).status_code == 403


# --- Complaints -----------------------------------------------------------------------------

def _register(clerk, **values):
    base = {"channel": Channel.PHONE, "received_at": NOW, "customer_name": "王五",
            "customer_phone": "", "description": "修了两次还坏"}
    return complaints.register_complaint({**base, **values}, actor=clerk, now=NOW)


def test_complaint_numbers_and_links_from_the_repair(world):
    clerk = world.users[Role.CLERK]
    claim = repair(world.dealer_b)
    first = _register(clerk, claim_number=claim.number.lower())
    assert first.number == "TS202500001"
    assert (first.claim, first.unit, first.dealer) == (claim, claim.unit, world.dealer_b)
    second = _register(clerk, unit_serial=claim.unit.serial)
    assert second.number == "TS202500002" and second.dealer == world.dealer_b
    only_dealer = _register(clerk, dealer_code="da-01")
    assert only_dealer.dealer == world.dealer_a and only_dealer.unit is None
    created = entries(first, "create")[0]
    assert created.to_state == "open" and created.changes["claim"] == [None, claim.number]


@pytest.mark.parametrize("values, field", [
    ({"dealer_code": "NOPE"}, "dealer_code"),
    ({"unit_serial": "NOPE"}, "unit_serial"),
    ({"claim_number": "NOPE"}, "claim_number"),
    ({"received_at": NOW + timedelta(hours=1)}, "received_at"),
    ({"description": "  "}, "description"),
])
def test_complaint_links_are_checked(world, values, field):
    with pytest.raises(DomainError) as refused:
        _register(world.users[Role.CLERK], **values)
    assert refused.value.field == field


def test_complaint_links_must_agree(world):
    clerk = world.users[Role.CLERK]
    claim, other = repair(world.dealer_a), repair(world.dealer_a)
    with pytest.raises(DomainError) as refused:
        _register(clerk, claim_number=claim.number, unit_serial=other.unit.serial)
    assert refused.value.field == "unit_serial"
    with pytest.raises(DomainError) as refused:
        _register(clerk, claim_number=claim.number, dealer_code="DB-01")
    assert refused.value.field == "dealer_code"


def test_complaint_moves_allowed_and_refused(world):
    clerk = world.users[Role.CLERK]
    complaint = _register(clerk)
    S = ComplaintStatus
    for refused in (lambda: complaints.archive_complaint(complaint, actor=clerk, now=NOW),
                    lambda: complaints.reopen_complaint(complaint, "x", actor=clerk),
                    lambda: complaints.escalate_complaint(complaint, " ", actor=clerk, now=NOW)):
        with pytest.raises(DomainError):
            refused()
    assert complaint.status == S.OPEN
    complaints.escalate_complaint(complaint, "需要经理处理", actor=clerk, now=NOW)
    with pytest.raises(DomainError):
        complaints.escalate_complaint(complaint, "again", actor=clerk, now=NOW)
    with pytest.raises(DomainError) as empty:
        complaints.resolve_complaint(complaint, "", actor=clerk, now=NOW)
    assert empty.value.field == "note"
    complaints.resolve_complaint(complaint, "换了新件", actor=clerk, now=NOW)
    complaints.reopen_complaint(complaint, "客户说还是漏", actor=clerk)
    assert complaint.status == S.OPEN and complaint.resolution == ""
    complaints.resolve_complaint(complaint, "再次上门修好", actor=clerk, now=NOW)
    complaints.archive_complaint(complaint, actor=clerk, now=NOW)
    assert complaints.allowed_actions(complaint) == []
    with pytest.raises(DomainError):
        complaints.reopen_complaint(complaint, "x", actor=clerk)
    trail = AuditEntry.query.filter_by(entity_type="complaints", entity_id=str(complaint.id)
                                       ).order_by(AuditEntry.id).all()
    assert [(e.action, e.from_state, e.to_state) for e in trail] == [
        ("create", None, "open"), ("escalate", "open", "escalated"),
        ("resolve", "escalated", "resolved"), ("reopen", "resolved", "open"),
        ("resolve", "open", "resolved"), ("archive", "resolved", "archived")]
    assert trail[3].reason == "客户说还是漏"


def test_recording_a_complaint_on_the_page(client, login, world, db):
    claim = repair(world.dealer_a)
    db.session.commit()
    login(world.users[Role.CLERK])
    form = {"channel": "phone", "received_at": "2025-08-10T09:30", "customer_name": "赵六",
            "customer_phone": "13800001234", "description": "师傅没来", "dealer_code": "ZZ-99",
            "unit_serial": "", "claim_number": claim.number}
    bad = client.post("/followup/complaints/new", data=form)
    assert bad.status_code == 422 and "No dealer with this code." in bad.get_data(True)
    assert db.session.query(Complaint).count() == 0
    form["dealer_code"] = ""
    response = client.post("/followup/complaints/new", data=form)
    assert response.status_code == 303
    complaint = db.session.query(Complaint).one()
    assert complaint.received_at == datetime(2025, 8, 10, 1, 30, tzinfo=UTC)
    assert complaint.dealer_id == world.dealer_a.id and complaint.claim_id == claim.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'href="/dealers/{world.dealer_a.id}"' in page
    assert f'href="/units/{claim.unit_id}"' in page and claim.number in page
    assert f'name="resolve-version" type="hidden" value="{complaint.version}"' in page
    seen = str(complaint.version)
    missing = client.post(f"/followup/complaints/{complaint.id}/resolve",
                          data={"resolve-note": "", "resolve-version": seen})
    assert missing.status_code == 422 and "Write how the complaint was resolved." in \
        missing.get_data(True)
    unversioned = client.post(f"/followup/complaints/{complaint.id}/resolve",
                              data={"resolve-note": "已解决"})
    assert unversioned.status_code == 422 and "Someone else changed" in \
        unversioned.get_data(True)
    done = client.post(f"/followup/complaints/{complaint.id}/resolve",
                       data={"resolve-note": "已解决", "resolve-version": seen})
    assert done.status_code == 303 and db.session.get(Complaint, complaint.id).status == \
        "resolved"
    stale = client.post(f"/followup/complaints/{complaint.id}/escalate",
                        data={"escalate-note": "x", "escalate-version": seen})
    assert stale.status_code == 422 and "Only an open complaint" in stale.get_data(True)


def test_complaint_readers_and_scoping(client, login, world, db):
    clerk = world.users[Role.CLERK]
    of_a = _register(clerk, dealer_code="DA-01")
    complaints.escalate_complaint(of_a, "内部：经销商多收费", actor=clerk, now=NOW)
    of_b = _register(clerk, dealer_code="DB-01")
    unlinked = _register(clerk)
    db.session.commit()
    login(world.users[Role.TECHNICAL])
    assert client.get(f"/followup/complaints/{unlinked.id}").status_code == 200
    assert client.post(f"/followup/complaints/{of_a.id}/resolve",
                       data={"resolve-note": "x"}).status_code == 403
    login(world.users[Role.FINANCE])
    assert client.get("/followup/complaints").status_code == 403
    login(world.users[Role.DEALER_ADMIN])
    page = client.get(f"/followup/complaints/{of_a.id}").get_data(as_text=True)
    assert of_a.number in page and "内部" not in page and "resolve-note" not in page
    listed = client.get("/followup/complaints").get_data(as_text=True)
    assert of_a.number in listed and of_b.number not in listed
    assert unlinked.number not in listed
    for other in (of_b, unlinked):
        assert client.get(f"/followup/complaints/{other.id}").status_code == 404
    login(world.users[Role.SALES_REP])
    assert client.get(f"/followup/complaints/{of_b.id}").status_code == 404
    assert client.get("/followup/complaints?status=escalated").get_data(True).count(
        of_a.number) == 1


# --- Entitlement flags ----------------------------------------------------------------------

def _flag(dealer, kind=FlagKind.REPLACE_PART, raised_at=NOW):
    claim = repair(dealer)
    part = factories.make_part(name="缸体")
    flag = UnitFlag(unit=claim.unit, kind=kind, claim=claim, raised_at=raised_at,
                    part=part if kind == FlagKind.REPLACE_PART else None,
                    detail="同一主要部件三包期内修理两次")
    factories.db.session.add(flag)
    factories.db.session.flush()
    return flag


def test_flag_list_filters_and_resolves_in_place(client, login, world, db):
    old = _flag(world.dealer_a, raised_at=NOW - timedelta(days=3))
    exchange = _flag(world.dealer_b, kind=FlagKind.EXCHANGE)
    db.session.commit()
    login(world.users[Role.CLERK])
    body = client.get("/followup/flags").get_data(as_text=True)
    assert body.index(old.unit.serial) < body.index(exchange.unit.serial)
    assert f'href="/units/{old.unit_id}"' in body and "缸体" in body
    assert old.claim.number in body and "DA-01" in body
    body = client.get("/followup/flags?kind=exchange", headers={"HX-Request": "true"}
                      ).get_data(as_text=True)
    assert exchange.unit.serial in body and old.unit.serial not in body
    url, htmx = f"/followup/flags/{old.id}/resolve", {"HX-Request": "true"}
    empty = client.post(url, data={"note": " "}, headers=htmx)
    assert empty.status_code == 422 and "Say what was done" in empty.get_data(True)
    done = client.post(url, data={"note": "已更换缸体"}, headers=htmx)
    assert done.status_code == 200 and "已更换缸体" in done.get_data(True)
    assert f'id="flag-{old.id}"' in done.get_data(True)
    flag = db.session.get(UnitFlag, old.id)
    assert flag.resolved_by_id == world.users[Role.CLERK].id
    entry = entries(flag, "resolve")[0]
    assert (entry.from_state, entry.to_state, entry.reason) == ("open", "resolved", "已更换缸体")
    assert old.unit.serial not in client.get("/followup/flags").get_data(True)
    assert old.unit.serial in client.get("/followup/flags?state=resolved").get_data(True)
    with pytest.raises(DomainError):
        resolve_flag(flag, "again", actor=world.users[Role.ADMIN], now=NOW)


def test_flags_by_role(client, login, world, db):
    flag_a, flag_b = _flag(world.dealer_a), _flag(world.dealer_b)
    db.session.commit()
    login(world.users[Role.SALES_REP])
    body = client.get("/followup/flags").get_data(as_text=True)
    assert flag_a.unit.serial in body and flag_b.unit.serial not in body
    assert client.post(f"/followup/flags/{flag_a.id}/resolve", data={"note": "x"}
                       ).status_code == 403
    login(world.users[Role.TECHNICAL])
    response = client.post(f"/followup/flags/{flag_b.id}/resolve",
                           data={"note": "技术部同意换机", "back": "unit"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/units/{flag_b.unit_id}"
    login(world.users[Role.DEALER_STAFF])
    assert client.get("/followup/flags").status_code == 403


def test_unit_page_shows_its_flags_in_one_query(client, login, world, db):
    flag = _flag(world.dealer_a)
    resolved = UnitFlag(unit=flag.unit, kind=FlagKind.EXCHANGE, claim=flag.claim,
                        raised_at=NOW - timedelta(days=40))
    db.session.add(resolved)
    db.session.flush()
    resolve_flag(resolved, "用户同意维修，不换机", actor=world.users[Role.CLERK], now=NOW)
    bare = repair(world.dealer_a).unit
    db.session.commit()
    login(world.users[Role.DEALER_STAFF])
    page = client.get(f"/units/{flag.unit_id}").get_data(as_text=True)
    assert re.search(r'class="flag-open".*?Entitled to a replacement main part.*?缸体', page,
                     re.S)
    assert re.search(r'class="flag-resolved".*?用户同意维修，不换机', page, re.S)
    assert "/resolve" not in page  # dealers read flags, they do not close them
    with QueryCounter(db.engine) as without:
        client.get(f"/units/{bare.id}")
    with QueryCounter(db.engine) as with_flags:
        client.get(f"/units/{flag.unit_id}")
    assert with_flags.count == without.count  # one query for the flags, with or without
    assert 'id="unit-flags"' not in client.get(f"/units/{bare.id}").get_data(True)


# --- Home and demo --------------------------------------------------------------------------

def test_clerk_home_counts_follow_up_work(client, login, world, db):
    clerk = world.users[Role.CLERK]
    due = visits.open_return_visit(repair(world.dealer_a, completed_on=date(2025, 1, 1)),
                                   today=date(2025, 1, 2))
    visits.open_return_visit(repair(world.dealer_b), today=shanghai_today() + timedelta(days=9))
    _register(clerk)
    _flag(world.dealer_b)
    db.session.commit()
    login(clerk)
    body = client.get("/home/clerk").get_data(as_text=True)
    boxes = re.findall(r'<a class="stat"[^>]*><b>(\d+)</b>', body)
    assert boxes[:3] == ["1", "1", "1"]  # the follow-up boxes come first
    assert due.due_on.isoformat() in body


def test_seed_followup_makes_visits_and_complaints(world, db):
    from portal.demo.followup import FATES, seed_followup

    today = date(2025, 9, 30)
    claims = [repair(world.dealer_a if n % 2 else world.dealer_b,
                     completed_on=today - timedelta(days=3 * n)) for n in range(40)]
    claims.append(repair(world.dealer_a, status="draft", completed_on=None))
    made = seed_followup(claims, today=today)
    assert made["open"] + made["reached"] + made["not_reached"] == 40
    all_visits = db.session.query(ReturnVisit).all()
    assert len(all_visits) == 40
    reached = [v for v in all_visits if v.reached]
    assert len(reached) == made["reached"] > 25
    assert all(1 <= v.satisfaction <= 5 for v in reached)
    assert all(v.due_on > today - timedelta(days=2) for v in all_visits if v.status == "open")
    assert made["open"] >= 2
    stored = db.session.query(Complaint).order_by(Complaint.number).all()
    assert sorted(c.status.value for c in stored) == sorted(FATES)
    assert all(c.dealer_id for c in stored) and any(c.claim_id for c in stored)
    assert any(c.claim_id is None for c in stored)
    assert stored[0].number.startswith("TS2025")
