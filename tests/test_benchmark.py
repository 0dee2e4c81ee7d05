"""The benchmark's page list and its checks stay in step with the portal."""

from email.message import Message

import pytest

from benchmarks.documents import BatchTiming, NoticeTiming
from benchmarks.floor import add_floor_routes
from benchmarks.load import Answer, Measure
from benchmarks.pages import PAGES, USERS, measured, page_path
from benchmarks.report import (
    PageResult,
    Reference,
    SizeRun,
    floor_line,
    page_table,
    rows,
    subject_table,
    tally,
    target_rps,
    targets_per_row,
    worst,
)
from benchmarks.run import check_answer
from benchmarks.subjects import HEAD_OFFICE, Subject
from portal import create_app
from portal.accounts.roles import Role
from tests import factories
from tests.conftest import FreshContextClient

SAMPLES = {"dealer": "1", "claim": "2", "unit": "3", "notice": "HX-2026-0001", "service": "4",
           "shipment": "5", "plan": "6", "delivery": "7", "alert": "8", "week": "2026-11-16",
           "serial_prefix": "SB18", "phone_prefix": "1391234", "dealer_q": "济南"}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: f"{p.role}-{p.name}")
def test_every_page_is_a_route_the_role_may_open(app, page):
    path = page_path(app, page, SAMPLES)
    adapter = app.url_map.bind("localhost")
    endpoint, _args = adapter.match(path.split("?")[0])
    assert endpoint == page.endpoint
    assert page.role in USERS


def test_every_role_has_pages():
    assert {p.role for p in PAGES} == set(USERS)
    assert len(PAGES) >= 40


def test_a_missing_sample_names_what_is_missing(app):
    page = next(p for p in PAGES if p.endpoint == "quality.alert")
    with pytest.raises(KeyError, match="alert"):
        page_path(app, page, {})


def _answer(status, body, location=""):
    headers = Message()
    if location:
        headers["Location"] = location
    return Answer(status, headers, body)


def test_only_real_content_is_measured():
    page = b"<!doctype html><html>" + b"x" * 300 + b"</html>"
    assert check_answer(_answer(200, page), htmx=False) == ""
    assert check_answer(_answer(200, b"<tr>" + b"x" * 300), htmx=True) == ""
    assert "302" in check_answer(_answer(302, b"", "/login"), htmx=False)
    assert check_answer(_answer(200, page), htmx=True)  # a whole page where a fragment was asked
    assert check_answer(_answer(200, b'<html><input name="password">' + b"x" * 300), htmx=False)
    assert check_answer(_answer(200, b"<tr></tr>"), htmx=True)  # an empty result


def _measure(rps, p99, not_ok=0):
    return Measure(requests=int(rps * 10), seconds=10, not_ok=not_ok, socket_errors=0,
                   p50_ms=p99 / 2, p90_ms=p99, p99_ms=p99, max_ms=p99)


def _result(name, p50, p99=None, rps=200, subject="largest", **kwargs):
    measure = Measure(requests=rps * 10, seconds=10, not_ok=0, socket_errors=0, p50_ms=p50,
                      p90_ms=p50, p99_ms=p99 or p50 * 2, max_ms=p99 or p50 * 2)
    return PageResult(name, "dealer", f"/{name}", measure, subject=subject, **kwargs)


def test_targets():
    """A page meets its targets with p99 ≤ 50 ms, no error, and at least 1/4 of the
    throughput of the portal's signed-in empty page (the last reference row)."""
    floor = [Reference("text", "—", _measure(3000, 1)), Reference("empty", "dealer",
                                                                  _measure(400, 3))]
    need = target_rps(floor)
    assert need == 100
    assert PageResult("a", "dealer", "/a", _measure(100, 50)).misses(need) == []
    assert PageResult("b", "dealer", "/b", _measure(99, 10)).misses(need) == ["99 requests/s"]
    assert PageResult("c", "dealer", "/c", _measure(200, 51)).misses(need) == ["p99 51.0 ms"]
    assert PageResult("d", "dealer", "/d", _measure(200, 10, not_ok=1)).misses(need) == [
        "1 not 200, 0 socket errors"]
    assert PageResult("e", "dealer", "/e", error="answered 404").misses(need) == [
        "error: answered 404"]
    # No floor measured (or no answer from it): no page can be said to meet the target.
    assert not PageResult("a", "dealer", "/a", _measure(100, 50)).met(None)
    assert target_rps([Reference("empty", "dealer", _measure(0, 3))]) is None


def test_each_page_is_measured_as_each_subject_of_its_role():
    found = [Subject(kind, "dealer", f"u_{kind}", n) for n, kind in
             enumerate(("largest", "median", "small", "old", "new"), 1)]
    found += [Subject("many", "rep", "bench_rep", 1), Subject("few", "rep", "r2", 21)]
    found += [Subject(HEAD_OFFICE, role, USERS[role], 1)
              for role in ("clerk", "technical", "finance", "admin")]
    plan = measured(PAGES, found)
    dealer_pages = [p for p in PAGES if p.role == "dealer"]
    rep_pages = [p for p in PAGES if p.role == "rep"]
    assert len(plan) == 5 * len(dealer_pages) + 2 * len(rep_pages) + (
        len(PAGES) - len(dealer_pages) - len(rep_pages))
    assert [s.kind for p, s in plan if p == dealer_pages[0]] == [
        "largest", "median", "small", "old", "new"]
    assert all(s.role == p.role for p, s in plan)


def test_the_worst_subject_is_the_one_that_misses_else_the_slowest():
    results = [_result("x", 5, subject="largest"), _result("x", 9, subject="old"),
               _result("x", 1, subject="new", skipped="no claim")]
    assert worst(results, 100).subject == "old"
    slow_tail = _result("x", 4, p99=60, subject="small")  # faster p50, misses p99
    assert worst([*results, slow_tail], 100).subject == "small"
    failing = PageResult("x", "dealer", "/x", subject="median", error="answered 500")
    assert worst([*results, slow_tail, failing], 100).subject == "median"
    assert worst([results[2]], 100).subject == "new"  # only when every subject skipped


def test_growth_worst_subjects_and_the_summary():
    """Growth is the worst subject's p50 at the larger size over the worst's at the smaller;
    above 1.5× it is a miss, as is an error of any subject at either size, and the queued
    measurement's p99 and errors."""
    small = SizeRun("0.25", [_result("a", 4), _result("a", 6, subject="old"), _result("b", 5),
                             _result("c", 5), _result("c", 5, subject="new")])
    large = SizeRun("1.0", [_result("a", 8.9), _result("a", 5, subject="old"),
                            _result("b", 8), _result("c", 5),
                            PageResult("c", "dealer", "/c", subject="new",
                                       error="answered 500")])
    queued = [_result("a", 8, p99=40), _result("b", 20, p99=70)]
    table = rows([small, large], queued, 100)
    a, b, c = table
    assert (a.worst.subject, a.small.subject, round(a.growth, 2)) == ("largest", "old", 1.48)
    assert a.misses == [] and a.subjects == 2
    assert round(b.growth, 2) == 1.6 and b.misses == ["growth 1.60×", "queued: p99 70.0 ms"]
    assert c.worst.subject == "new" and c.misses == ["error: answered 500"]
    assert targets_per_row(a) == 6 and targets_per_row(c) == 4  # c: not queued
    met, total, misses = tally(table, [NoticeTiming("one-page notice", 5, 0.6, 0.4, 40_000,
                                                    1)], BatchTiming(notices=3, seconds=2.0))
    assert (met, total) == (14, 18)  # 16 page targets, 3 missed; the notice run at 1.5/s
    assert misses[0].startswith("b `/b` (dealer, largest): growth 1.60×, queued")
    assert misses[-1] == "notice run: 1.50 notices/s"
    assert tally(table, None, BatchTiming())[:2] == (13, 16)  # notices not measured
    lines = page_table(_measure(6000, 1), table, [], ("0.25", "1.0"), 8)
    assert "p50 ms at 0.25 | growth | p99 ms at 8 conn." in lines[0]
    assert lines[3] == ("| a `/a` | dealer | largest (of 2) | 200 | 8.9 | 17.8 | 0 | 6.0 | "
                        "1.48× | 40.0 | 0 | yes |")
    every = subject_table([small, large])
    assert "| c | dealer | new | 5.0 / 10.0 | **ERROR**: answered 500 |" in every


def test_the_floor_pages(app, world, database_url):
    """The portal's floor rows go through the portal's own hooks: the text route as anyone, the
    empty page only signed in, inside the base layout with its menu and CSRF token."""
    floor_app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": database_url,
                            "WTF_CSRF_ENABLED": False, "SECRET_KEY": app.secret_key})
    add_floor_routes(floor_app)
    floor_app.test_client_class = FreshContextClient
    client = floor_app.test_client()
    text = client.get("/_bench/text")
    assert text.status_code == 200 and text.text == "Hello, world!"
    assert text.headers["X-Request-ID"]  # the access line's id
    assert client.get("/_bench/empty").status_code == 302  # to the sign-in page
    assert client.post("/login", data={"username": world.users[Role.DEALER_ADMIN].username,
                                       "password": factories.PASSWORD}).status_code == 303
    empty = client.get("/_bench/empty")
    assert empty.status_code == 200
    assert check_answer(Answer(200, Message(), empty.data), htmx=False) == ""
    assert "X-CSRFToken" in empty.text and "Content-Security-Policy" in empty.headers
    assert 'href="/claims/"' in empty.text  # the menu


def test_the_floor_line():
    hello = _measure(6000, 1)
    assert floor_line(hello, []) == ""
    assert floor_line(hello, [Reference("empty", "dealer", _measure(0, 3))]) == ""  # no answer
    line = floor_line(hello, [Reference("empty", "dealer", _measure(1000, 3))])
    assert "target is 250 requests/s" in line and "serves 1000/s" in line and "1/6.0" in line
    assert "leaves 3.00 ms" in line
    table = page_table(hello, [], [Reference("empty `/x`", "dealer", _measure(900, 3))])
    assert table[-1] == ("| empty `/x` (reference) | dealer | — | 900 | 1.5 | 3.0 | — | — | — "
                         "| — | — | — |")
