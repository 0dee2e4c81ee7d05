"""The access matrix: every route in the URL map, for anonymous users and every role.

A new route cannot escape: it must declare its roles, and every URL argument it takes must
have a record of dealer A (and, when dealer-scoped, one of dealer B) in tests/access_records.py.
For key actions, the route, the control on the page and the service agree with the action's
predicate (``portal/<domain>/access.py``); templates test no role.
"""

import re
import threading
from importlib import import_module
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from portal.accounts.roles import DEALER_ROLES, Role
from portal.core.permissions import PUBLIC
from tests import factories
from tests.access_records import routes_of, url_of


def _call(client, method, url):
    # A real form always sends something (at least its CSRF token); an empty body would make
    # WTForms fall back to the object's data.
    return client.get(url) if method == "GET" else client.post(url, data={"probe": "1"})


def test_every_view_declares_access(app):
    missing = [rule.endpoint for rule, _m in routes_of(app)
               if not hasattr(app.view_functions[rule.endpoint], "access")]
    assert missing == []


def test_every_url_argument_is_covered(app, objects):
    unknown = {a for rule, _m in routes_of(app) for a in rule.arguments} - set(objects)
    assert unknown == set(), "add these URL arguments to the access matrix"


def test_anonymous_is_sent_to_login(app, client, objects):
    own = {k: v[0] for k, v in objects.items()}
    for rule, method in routes_of(app):
        view = app.view_functions[rule.endpoint]
        if view.access == PUBLIC and not getattr(view, "api", False):
            continue
        response = _call(client, method, url_of(rule, own))
        if getattr(view, "api", False):
            assert response.status_code == 401, rule.rule
            assert response.is_json
        else:
            assert response.status_code == 302, (method, rule.rule, response.status_code)
            assert response.headers["Location"].startswith("/login"), rule.rule


@pytest.mark.parametrize("role", list(Role))
def test_role_matrix(app, client, login, world, objects, role):
    own = {k: v[0] for k, v in objects.items()}
    user = world.users[role]
    login(user)
    for rule, method in routes_of(app):
        view = app.view_functions[rule.endpoint]
        if view.access == PUBLIC:
            continue
        response = _call(client, method, url_of(rule, own))
        where = (role.value, method, rule.rule, response.status_code)
        if role in view.access:
            assert response.status_code not in (401, 403) and response.status_code < 500, where
        else:
            assert response.status_code == 403, where
        if rule.endpoint == "accounts.logout":
            login(user)


@pytest.mark.parametrize("role", [*DEALER_ROLES, Role.SALES_REP])
def test_dealer_a_cannot_reach_dealer_b(app, client, login, world, objects, role):
    """Dealer A's users and A's rep get 404 for every dealer-scoped URL of dealer B."""
    login(world.users[role])
    scoped = [name for name, (_a, b) in objects.items() if b is not None]
    checked = 0
    for rule, method in routes_of(app):
        view = app.view_functions[rule.endpoint]
        if view.access == PUBLIC or role not in view.access:
            continue
        if not set(rule.arguments) & set(scoped):
            continue
        foreign = {k: (v[1] if v[1] is not None else v[0]) for k, v in objects.items()}
        response = _call(client, method, url_of(rule, foreign))
        assert response.status_code == 404, (role.value, method, rule.rule)
        assert _call(client, "GET", url_of(rule, {k: v[0] for k, v in objects.items()})
                     ).status_code != 404 or method != "GET"
        checked += 1
    assert checked > 0


def test_dealer_b_cannot_reach_dealer_a(client, login, world):
    login(world.dealer_b_admin)
    assert client.get(f"/dealers/{world.dealer_a.id}").status_code == 404
    assert client.get(f"/dealers/{world.dealer_b.id}").status_code == 200


# A GET reads. The one write allowed is the API's note of when a token was last used (shown to
# its owner on the tokens page, as a sign-in keeps its time): bookkeeping of who called, not data.
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE)\b"
                   r"|^\s*WITH\b.*\b(INSERT|UPDATE|DELETE)\s", re.I | re.S)
TOKEN_USED = re.compile(r"^\s*UPDATE api_tokens SET last_used_at=[^,]* WHERE api_tokens\.id = ",
                        re.I)


@pytest.mark.parametrize("role", list(Role))
def test_a_get_writes_nothing_and_starts_no_thread(app, client, login, world, objects, db, role,
                                                   monkeypatch):
    """Every GET of the URL map the role may call (pages, fragments, files, the API with the
    role's token) leaves the database as it was and starts no background work. No snapshot
    has been refreshed yet, so the pages that read one count for themselves."""
    from portal.accounts.services import issue_token

    user = world.users[role]
    token = issue_token(user)
    db.session.commit()
    login(user)
    own = {k: v[0] for k, v in objects.items()}
    writes, threads = [], []

    def watch(_conn, _cursor, statement, *_args):
        if WRITE.match(statement) and not TOKEN_USED.match(statement):
            writes.append(" ".join(statement.split())[:120])

    start = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start",
                        lambda thread: threads.append(thread.name) or start(thread))
    found = []
    event.listen(db.engine, "before_cursor_execute", watch)
    try:
        for rule, method in routes_of(app):
            view = app.view_functions[rule.endpoint]
            api = getattr(view, "api", False)
            if method != "GET" or rule.endpoint == "accounts.logout" or not (
                    api or view.access == PUBLIC or role in view.access):
                continue
            headers = {"Authorization": f"Bearer {token}"} if api else {}
            response = client.get(url_of(rule, own), headers=headers)
            assert response.status_code < 500, (rule.rule, response.status_code)
            if writes or threads:
                found.append((rule.rule, writes[:3], threads))
                writes.clear()
                threads.clear()
    finally:
        event.remove(db.engine, "before_cursor_execute", watch)
    assert found == []


# ---------------------------------------------------------------- one predicate per action
#
# For each key action: the predicate of its domain's access module, and whether the route, the
# control on the page and the service agree with it. Each case: (predicate, how to load the
# object from the access-matrix objects and put it in the state the action needs, the page
# that shows the control, the route that does it, the service doing it directly, who may,
# who may not).


def _claim(objects, status):
    from portal.claims.models import Claim

    claim = factories.db.session.get(Claim, objects["claim_id"][0])
    claim.status = status
    return claim


def _plan(objects):
    from portal.planning.models import PlanStatus, StockingPlan

    plan = factories.db.session.get(StockingPlan, objects["plan_id"][0])
    plan.status = PlanStatus.SUBMITTED
    return plan


def _owed(objects):
    from portal.returns.models import OwedPart, OwedStatus

    owed = factories.db.session.get(OwedPart, objects["owed_id"][0])
    owed.status, owed.received_on = OwedStatus.OWED, None
    return owed


def _notice(objects):
    from portal.finance.models import WriteOffNotice

    return factories.db.session.scalar(sa.select(WriteOffNotice).where(
        WriteOffNotice.number == objects["number"][0]))


def _note(objects):
    from portal.deliveries.models import DeliveryNote

    return factories.db.session.get(DeliveryNote, objects["note_id"][0])


def _entry(objects):
    from portal.service.models import ServiceRequest

    return factories.db.session.get(ServiceRequest, objects["request_id"][0])


def _service_call(name):
    """The service doing the action directly, as ``call(obj, user)``."""
    from datetime import UTC, date, datetime

    from portal.claims import services as claims
    from portal.deliveries import services as deliveries
    from portal.finance import lifecycle
    from portal.planning import services as planning
    from portal.returns import owed
    from portal.service import services as service
    from portal.service.models import Assignee
    from portal.workflow import claims as workflow

    now = datetime(2026, 11, 20, 2, tzinfo=UTC)
    return {
        "decide": lambda c, u: workflow.decide(c, {}, actor=u),
        "edit": lambda c, u: claims.update_claim(c, {}, actor=u, today=date(2026, 11, 20)),
        "confirm_notice": lambda n, u: lifecycle.confirm_notice(n, actor=u, now=now),
        "review_plan": lambda p, u: planning.approve_plan(p, {}, {}, "", actor=u, version=None,
                                                          now=now),
        "confirm_delivery": lambda n, u: deliveries.confirm_receipt(n, {}, actor=u,
                                                                    version=None, now=now),
        "waive": lambda o, u: owed.waive(o, "不必返还", actor=u),
        "route": lambda e, u: service.route(e, Assignee.TECHNICAL, actor=u, now=now,
                                            reason="改派"),
    }[name]


AGREEMENT = {
    # action: (predicate module.name, load, page endpoint + arg, action endpoint, allowed,
    #          refused) — users are roles of the world, or "dealer_b" (dealer B's admin)
    "decide": ("claims.can_decide_claim", lambda o: _claim(o, "submitted"),
               ("claims.detail", "claim_id", "id"), "claims.decide",
               Role.TECHNICAL, [Role.SALES_REP, Role.DEALER_STAFF, "dealer_b"]),
    "edit": ("claims.can_edit_claim", lambda o: _claim(o, "draft"),
             ("claims.detail", "claim_id", "id"), "claims.edit",
             Role.DEALER_STAFF, [Role.TECHNICAL, Role.CLERK, "dealer_b"]),
    "confirm_notice": ("finance.can_confirm_notice", _notice,
                       ("finance.notice", "number", "number"), "finance.confirm_notice",
                       Role.DEALER_ADMIN, [Role.FINANCE, Role.SALES_REP, "dealer_b"]),
    "review_plan": ("planning.can_review_plan", _plan, ("planning.detail", "plan_id", "id"),
                    "planning.approve", Role.SALES_REP,
                    [Role.DEALER_ADMIN, Role.TECHNICAL, Role.FINANCE, "rep_b"]),
    "confirm_delivery": ("deliveries.can_confirm_delivery",
                         _note,
                         ("deliveries.detail", "note_id", "id"), "deliveries.confirm",
                         Role.DEALER_STAFF, [Role.CLERK, Role.SALES_REP, "dealer_b"]),
    "waive": ("returns.can_waive_return", _owed, ("returns.owed_part", "owed_id", "id"),
              "returns.waive_return", Role.TECHNICAL, [Role.CLERK, Role.DEALER_ADMIN]),
    "route": ("service.can_route", _entry,
              ("service.detail", "request_id", "id"), "service.route",
              Role.CLERK, [Role.DEALER_STAFF, Role.TECHNICAL, Role.SALES_REP]),
}


def _user(world, who):
    return {"dealer_b": world.dealer_b_admin, "rep_b": world.rep_b}.get(who) or world.users[who]


@pytest.mark.parametrize("action", list(AGREEMENT))
def test_route_control_and_service_agree_with_the_predicate(app, client, login, world, objects,
                                                            action):
    """Whoever the predicate refuses gets 403/404 (or the service's 422) from the route, does not
    see the control, and is refused by the service called directly; whoever it allows sees it."""
    from flask import url_for

    from portal.core.errors import DomainError

    name, load, (page, arg, attr), endpoint, allowed, refused = AGREEMENT[action]
    module, predicate = name.split(".")
    can = getattr(import_module(f"portal.{module}.access"), predicate)
    obj = load(objects)
    factories.db.session.commit()
    with app.test_request_context():
        page_url = url_for(page, **{arg: getattr(obj, attr)})
        action_url = url_for(endpoint, **{arg: getattr(obj, attr)})
    control = f'action="{action_url}"'
    state = obj.status
    login(_user(world, allowed))
    assert can(obj, _user(world, allowed))
    assert control in client.get(page_url).get_data(as_text=True), action
    for who in refused:
        user = _user(world, who)
        assert not can(obj, user), (action, who)
        login(user)
        shown = client.get(page_url)
        assert shown.status_code in (200, 404), (action, who)
        assert control not in shown.get_data(as_text=True), (action, who)
        answer = client.post(action_url, data={"version": obj.version})
        assert answer.status_code in (403, 404, 422), (action, who, answer.status_code)
        with pytest.raises(DomainError):
            _service_call(action)(obj, user)
        factories.db.session.rollback()
        obj = load(objects)
        assert obj.status == state, (action, who)


def test_templates_hold_no_role_tests():
    """Templates ask the domains' predicates (``can_*``), never the role: a role test there is a
    second definition of a permission. Showing one's own role's title is no test."""
    import re

    role_test = re.compile(r"current_user\.role\b(?!\.title\b)|\.role\s*(==|!=|\bin\b|\bnot\b)"
                           r"|\bRole\.")
    found = [f"{path}:{n}" for path in sorted(Path("templates").rglob("*.html"))
             for n, line in enumerate(path.read_text().splitlines(), 1) if role_test.search(line)]
    assert found == []


def test_the_menu_links_only_where_the_route_lets_in(app):
    """A menu entry a role sees is a page its route lets that role reach (never a 403)."""
    from types import SimpleNamespace

    from portal.home.web import menu

    with app.test_request_context():
        for role in Role:
            for endpoint in menu(SimpleNamespace(role=role)):
                assert role in app.view_functions[endpoint].access, (role.value, endpoint)


# ------------------------------------------------- who reaches what, pinned as it was before
#
# The pages, menu entries, tabs and home-page boxes whose "who" moved from role lists into the
# domains' predicates: written out here by hand, so a predicate that grants one role more or
# less than before fails a test, not only a matrix read from the same predicate.

HOMES = {"/home/dealer": set(DEALER_ROLES), "/home/rep": {Role.SALES_REP},
         "/home/clerk": {Role.CLERK}, "/home/technical": {Role.TECHNICAL},
         "/home/finance": {Role.FINANCE}, "/home/admin": {Role.ADMIN}, "/audit": {Role.ADMIN}}
DEALERS_HIDDEN = ["reports.dashboard", "quality.alerts", "followup.flags", "returns.incoming",
                  "returns.verdict_queue", "finance.claims", "finance.reports", "finance.generate",
                  "reports.weekly_index", "analytics.scorecards_index", "analytics.failures",
                  "accounts.users", "core.audit_log"]
MENU_HIDDEN = {
    Role.DEALER_ADMIN: DEALERS_HIDDEN, Role.DEALER_STAFF: DEALERS_HIDDEN,
    Role.CLERK: ["returns.verdict_queue", "finance.claims", "finance.ledger", "finance.reports",
                 "finance.notices", "finance.generate", "accounts.users", "core.audit_log"],
    Role.SALES_REP: ["returns.incoming", "returns.verdict_queue", "finance.generate",
                     "accounts.users", "core.audit_log"],
    Role.TECHNICAL: ["followup.visits", "returns.incoming", "finance.claims", "finance.ledger",
                     "finance.reports", "finance.notices", "finance.generate", "accounts.users",
                     "core.audit_log"],
    Role.FINANCE: ["followup.visits", "followup.complaints", "followup.flags",
                   "returns.incoming", "returns.verdict_queue", "accounts.users",
                   "core.audit_log"],
    Role.ADMIN: ["finance.generate"],
}
COST_AUDIT_TABS = {Role.SALES_REP: ["forward", "forwarded"], Role.FINANCE: ["audit", "audited"],
                   Role.ADMIN: ["forward", "forwarded", "audit", "audited"]}
SERVICE_BOX = {  # the service register's queues on each role's home page
    Role.DEALER_ADMIN: ["requests_mine", "requests_late"],
    Role.DEALER_STAFF: ["requests_mine", "requests_late"],
    Role.CLERK: ["requests_new", "requests_arranged", "requests_overdue"],
    Role.SALES_REP: ["requests_mine", "requests_overdue"],
    Role.TECHNICAL: ["requests_mine", "requests_overdue"],
    Role.FINANCE: [],
    Role.ADMIN: ["requests_new", "requests_arranged", "requests_overdue"],
}


@pytest.mark.parametrize("role", list(Role))
def test_home_pages_and_audit_trail_let_in_whom_they_did(client, login, world, role):
    login(world.users[role])
    for url, roles in HOMES.items():
        assert client.get(url).status_code == (200 if role in roles else 403), (role, url)
    landing = client.get("/").headers["Location"]
    assert landing in HOMES and role in HOMES[landing]


@pytest.mark.parametrize("role", list(Role))
def test_menu_tabs_and_home_boxes_show_whom_they_did(app, world, role):
    from portal.finance.audit_queues import queues_for
    from portal.home.web import NAV, menu
    from portal.service.views import home_box

    user = world.users[role]
    with app.test_request_context():
        hidden = [endpoint for endpoint, _key, _can in NAV if endpoint not in menu(user)]
        box = [re.search(r"queue=(\w+)", entry["url"])[1] for entry in home_box(user)]
    assert hidden == MENU_HIDDEN[role]
    assert queues_for(user) == COST_AUDIT_TABS.get(role, [])
    assert box == SERVICE_BOX[role]


def test_a_predicate_name_means_one_thing(app):
    """Two domains exposing different predicates under one name to the templates is refused."""
    from types import SimpleNamespace

    from portal.core.permissions import expose_predicates, granted_to

    clash = SimpleNamespace(can_edit_catalog=granted_to(Role.CLERK))
    with pytest.raises(RuntimeError):
        expose_predicates(app, clash)
