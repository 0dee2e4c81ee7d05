"""Concurrent use of a served portal: several client processes at once, never a server error.

gunicorn serves the portal with several sync workers (separate processes, as in production) on
its own database, built by the migrations: a SQLite file, or on PostgreSQL (TEST_DATABASE_URL)
a database of its own beside the suite's. Client processes call the API at the same time:
reads, and writes that each add one ledger entry. Every answer must be a success, and every
write must have landed.
"""

import multiprocessing
import secrets
import sqlite3
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from benchmarks.load import CSRF, fetch, gunicorn, sign_in
from portal import create_app
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.accounts.services import create_user, issue_token
from portal.claims.models import Claim, ClaimStatus, LineKind
from portal.core.audit import AuditEntry
from portal.dealers.models import Dealer
from portal.extensions import db as _db
from portal.finance.models import LedgerEntry
from portal.units.holidays import OfficialDay
from portal.units.models import Unit
from tests import load_client
from tests.conftest import TEST_DATABASE_URL, _compile_translations
from tests.e2e import server
from tests.e2e.seed import PASSWORD
from tests.factories import make_claim

CLIENTS = 4
SECONDS = 5
WORKERS = 4
REFERENCE = "LOAD-"  # the references of the entries the clients post


@pytest.fixture(autouse=True)
def db():
    """Replaces the suite's rolled-back transaction: the served portal commits for real."""
    return None


class Served:
    """The base URL of the served portal, the seeded world, tokens, and its database URL."""

    def __init__(self, base: str, url: str, seeded, tokens: dict[str, str]):
        self.base, self.url, self.seeded, self.tokens = base, url, seeded, tokens

    def scalar(self, query):
        engine = sa.create_engine(self.url)
        try:
            with engine.connect() as conn:
                return conn.execute(query).scalar()
        finally:
            engine.dispose()


def _own_database(suffix: str) -> str:
    """A PostgreSQL database name of this suite's own (beside TEST_DATABASE_URL's), so that
    suites run by others on the same server do not meet it."""
    return f"{sa.make_url(TEST_DATABASE_URL or 'sqlite://').database or 'portal'}_{suffix}"


def _issue_tokens(url: str, usernames) -> dict[str, str]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "seed-only"})
    with app.app_context():
        users = _db.session.scalars(sa.select(User).where(User.username.in_(usernames)))
        tokens = {user.username: issue_token(user) for user in users}
        _db.session.commit()
        _db.session.remove()
        _db.engine.dispose()
    return tokens


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    _compile_translations()
    tmp = tmp_path_factory.mktemp("load")
    instance = tmp / "instance"
    with server.database(tmp, name=_own_database("load")) as url:
        seeded = server.migrate_and_seed(url, instance)
        tokens = _issue_tokens(url, ["e2e_admin", "e2e_dealer_a", "e2e_tech",
                                     "e2e_clerk"])
        env = {"DATABASE_URL": url, "PORTAL_INSTANCE_PATH": str(instance),
               "SECRET_KEY": secrets.token_hex(32), "PORTAL_ENV": "development",
               "LOG_LEVEL": "WARNING"}
        with gunicorn("wsgi:app", workers=WORKERS, env=env, log_path=tmp / "server.log",
                      ready_path="/healthz") as base:
            yield Served(base, url, seeded, tokens)


def run_clients(served: Served, calls: list, count: int, seconds: float) -> Counter:
    """``count`` client processes making ``calls`` at once for ``seconds`` (a reference
    ``{client}`` names the client); the count of each (kind, status) they saw."""
    jobs = [(served.base, _for_client(calls, i), seconds) for i in range(count)]
    return sum(in_processes(count, load_client.mixed, jobs), Counter())


def in_processes(count: int, work, jobs: list) -> list:
    """``work(*job)`` for each job, in ``count`` client processes that start together."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(count)
    with context.Pool(count, initializer=load_client.ready, initargs=(barrier,)) as pool:
        return pool.starmap(work, jobs)


def _for_client(calls: list, number: int) -> list:
    return [(kind, method, path, token, body and {
        k: v.replace("{client}", str(number)) if isinstance(v, str) else v
        for k, v in body.items()}) for kind, method, path, token, body in calls]


def test_concurrent_api_reads_and_writes_never_fail(served):
    dealer, admin = served.tokens["e2e_dealer_a"], served.tokens["e2e_admin"]
    entry = {"dealer": "E2E-A", "kind": "payment", "date": "2026-01-05", "amount": "1.00",
             "reference": REFERENCE + "{client}-{n}"}
    statuses = run_clients(served, [
        ("read", "GET", "/me", dealer, None),
        ("read", "GET", f"/units/{served.seeded.story_serial}", dealer, None),
        ("write", "POST", "/ledger-entries", admin, entry),
        ("same record", "PUT", "/dealers/E2E-B", admin, {
            "name": "郑州中原农机服务中心", "province": "河南省", "city": "郑州市{client}",
            "grade": "b"}),
    ], CLIENTS, SECONDS)
    failed = {key: n for key, n in statuses.items() if key[1] >= 500}
    assert not failed, f"server errors: {failed} of {sum(statuses.values())} calls"
    assert set(status for _kind, status in statuses) <= {200, 201}, statuses
    landed = served.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)
                           .where(LedgerEntry.reference.startswith(REFERENCE)))
    assert statuses[("write", 201)] > 0 and landed == statuses[("write", 201)]


def at_once(served: Served, method: str, path: str, token: str, bodies: list) -> list:
    """The same call with each body, sent at the same moment from as many threads; the
    (status, JSON answer) of each."""
    barrier = threading.Barrier(len(bodies))

    def one(body):
        barrier.wait()
        return load_client.answer(served.base, method, path, token, body)

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(one, bodies))


def test_two_decisions_at_once_one_wins_the_other_is_told(served):
    """Two technicians decide one case at once, each on the version he saw: one decision stands,
    the other is answered 409 conflict (never 500), on SQLite as on PostgreSQL."""
    status, case = load_client.answer(
        served.base, "POST", "/sanbao-cases", served.tokens["e2e_clerk"],
        {"serial": served.seeded.refund_serial, "kind": "refund", "entitlement": None,
         "reason": "无同型号", "invoice_amount": "36500.00"})
    assert status == 201, case
    answers = at_once(served, "POST", f"/sanbao-cases/{case['id']}/decide",
                      served.tokens["e2e_tech"], [
                          {"approve": True, "reason": "同意退货", "version": case["version"]},
                          {"approve": False, "reason": "不同意", "version": case["version"]}])
    assert sorted(status for status, _body in answers) == [200, 409], answers
    (_won, kept), = [(s, body) for s, body in answers if s == 200]
    (_lost, told), = [(s, body) for s, body in answers if s == 409]
    assert told["error"] == "conflict"
    _status, now = load_client.answer(served.base, "GET", f"/sanbao-cases/{case['id']}",
                                      served.tokens["e2e_tech"])
    assert now["status"] == kept["status"] and now["version"] == case["version"] + 1


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="PostgreSQL queues a writer on a row lock "
                    "without a time limit; its lock errors are told apart in test_transactions")
def test_a_write_that_waited_too_long_is_told_to_try_again(served):
    """Another process holds SQLite's write lock beyond the busy timeout: an API write and a
    page's form are answered 503 with Retry-After (the page saying so in the reader's language)
    and nothing is saved; tried again once the lock is free, the write lands."""
    entry = {"dealer": "E2E-A", "kind": "payment", "date": "2026-01-05", "amount": "2.00",
             "reference": "BUSY-1"}
    cookie = sign_in(served.base, "e2e_admin", PASSWORD)
    token = CSRF.search(fetch(served.base, "/catalog/holidays", cookie=cookie).body.decode())
    day = {"csrf_token": token.group(1), "day": "2030-05-01", "kind": "holiday"}
    holder = sqlite3.connect(sa.make_url(served.url).database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with ThreadPoolExecutor(2) as pool:  # both wait out the busy timeout together
            api = pool.submit(load_client.response, served.base, "POST", "/ledger-entries",
                              served.tokens["e2e_admin"], entry)
            page = pool.submit(fetch, served.base, "/catalog/holidays/add?year=2030",
                               cookie=cookie, form=day)
            (status, headers, body), page = api.result(), page.result()
    finally:
        holder.close()
    assert (status, headers["Retry-After"], body["error"]) == (503, "1", "service_unavailable")
    assert (page.status, page.headers["Retry-After"]) == (503, "1")
    assert "系统正忙于处理其他修改" in page.body.decode()
    status, _body = load_client.answer(served.base, "POST", "/ledger-entries",
                                       served.tokens["e2e_admin"], entry)
    assert status == 201
    assert served.scalar(sa.select(sa.func.count()).select_from(OfficialDay)
                         .where(OfficialDay.day == date(2030, 5, 1))) == 0


def test_one_record_created_twice_at_once_is_stored_once(served):
    """Two PUTs create the same new dealer at once: it is stored once, the other call either
    updates it (SQLite: it waited for the first, then found it) or is told 409 conflict
    (PostgreSQL: both looked before either stored it), never 500."""
    body = {"name": "新乡农机站", "province": "河南省", "city": "新乡市", "grade": "c"}
    answers = at_once(served, "PUT", "/dealers/E2E-NEW", served.tokens["e2e_admin"],
                      [body, body])
    statuses = sorted(status for status, _body in answers)
    assert statuses in ([200, 201], [201, 409]), answers
    assert served.scalar(sa.select(sa.func.count()).select_from(Dealer)
                         .where(Dealer.code == "E2E-NEW")) == 1


def test_a_page_form_posted_from_several_processes_at_once(served):
    """The pages write as the API does: four people enter official days at the same time,
    each his own; every form is answered with its redirect, and every day is stored."""
    first = date(2031, 1, 1)
    jobs = [(served.base, "e2e_admin", PASSWORD, "/catalog/holidays", f"/catalog/holidays/add"
             f"?year={first.year + i}", [
                 {"day": (first.replace(year=first.year + i) + timedelta(days=n)).isoformat(),
                  "kind": "holiday", "name": f"负载{n}"} for n in range(300)], SECONDS)
            for i in range(CLIENTS)]
    statuses = sum(in_processes(CLIENTS, load_client.post_forms, jobs), Counter())
    assert set(statuses) == {303}, statuses
    assert served.scalar(sa.select(sa.func.count()).select_from(OfficialDay)
                         .where(OfficialDay.day >= first)) == statuses[303]


def _claim_in_review(served: Served) -> tuple[int, int, int]:
    """A claim on the story's unit waiting for the technical department (one labour line), and
    a second technician to decide it: the claim's id, its line's id and its version."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": served.url, "SECRET_KEY": "seed-only"})
    with app.app_context():
        unit = _db.session.scalars(sa.select(Unit).where(
            Unit.serial == served.seeded.story_serial)).one()
        claim = make_claim(unit, status=ClaimStatus.UNDER_REVIEW, number="WX-LOAD-0001",
                           lines=[(LineKind.LABOUR, Decimal("120.00"))])
        create_user(username="e2e_tech2", display_name="技术部李工", role=Role.TECHNICAL,
                    password=PASSWORD)
        _db.session.commit()
        found = claim.id, claim.lines[0].id, claim.version
        _db.session.remove()
        _db.engine.dispose()
    return found


def test_two_claim_decisions_at_once_one_stands_the_other_is_told(served):
    """Two technicians decide one claim at the same moment, each on the version he saw: one
    decision stands (redirect), the other is shown the form again with the changed-meanwhile
    message (422), on SQLite as on PostgreSQL; the claim is decided once."""
    claim_id, line_id, version = _claim_in_review(served)
    decisions = {"e2e_tech": "approved", "e2e_tech2": "rejected"}
    jobs = [(served.base, username, PASSWORD, f"/claims/{claim_id}",
             f"/claims/{claim_id}/decide",
             [{"version": str(version), f"decision-{line_id}": decision,
               f"code-{line_id}": "no_defect" if decision == "rejected" else "",
               f"note-{line_id}": "同时审核"}], 30)
            for username, decision in decisions.items()]
    statuses = sum(in_processes(2, load_client.post_forms, jobs), Counter())
    assert statuses == Counter({303: 1, 422: 1}), statuses
    assert served.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "decide", AuditEntry.entity_type == "claims",
        AuditEntry.entity_id == str(claim_id))) == 1
    assert served.scalar(sa.select(Claim.status).where(Claim.id == claim_id)) in (
        ClaimStatus.APPROVED, ClaimStatus.REJECTED)
