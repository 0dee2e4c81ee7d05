"""The benchmark's page list and its checks stay in step with the portal."""

from email.message import Message

import pytest

from benchmarks.documents import BatchTiming, NoticeTiming
from benchmarks.floor import add_floor_routes
from benchmarks.load import Answer, Measure
from benchmarks.pages import PAGES, USERS, page_path
from benchmarks.report import PageResult, Reference, floor_line, page_table, tally
from benchmarks.run import check_answer
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


def test_targets():
    """A page meets its target with p99 ≤ 50 ms, no error, and at least 1/4 of the throughput
    of the portal's signed-in empty page (the last reference row)."""
    floor = [Reference("text", "—", _measure(3000, 1)), Reference("empty", "dealer",
                                                                  _measure(400, 3))]
    pages = [PageResult("a", "dealer", "/a", _measure(100, 50)),  # met: 1/4 of 400, 50 ms
             PageResult("b", "dealer", "/b", _measure(99, 10)),  # too few requests
             PageResult("c", "dealer", "/c", _measure(200, 51)),  # too slow
             PageResult("d", "dealer", "/d", _measure(200, 10, not_ok=1)),  # an error
             PageResult("e", "dealer", "/e", error="answered 404")]
    notices = [NoticeTiming("one-page notice", 5, 0.6, 0.4, 40_000, 1),
               NoticeTiming("ten-page notice", 285, 2.5, 2.0, 120_000, 10)]
    assert tally(floor, pages, notices, BatchTiming(notices=3, seconds=2.0)) == (2, 7)
    assert tally(floor, pages, notices, BatchTiming(notices=3, seconds=1.0)) == (3, 7)
    # No floor measured (or no answer from it): no page can be said to meet the target.
    assert tally([], pages, notices, BatchTiming(notices=3, seconds=1.0)) == (2, 7)
    assert tally([Reference("empty", "dealer", _measure(0, 3))], pages, notices,
                 BatchTiming(notices=3, seconds=1.0)) == (2, 7)
    table = page_table(_measure(6000, 1), pages, floor)
    assert table[5].startswith("| a `/a`") and table[5].endswith("| yes |")


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
    assert table[-1] == "| empty `/x` (reference) | dealer | 900 | 1.5 | 3.0 | — | — |"
