"""The benchmark's page list and its checks stay in step with the portal."""

from email.message import Message

import pytest

from benchmarks.documents import BatchTiming, NoticeTiming
from benchmarks.load import Answer, Measure
from benchmarks.pages import PAGES, USERS, page_path
from benchmarks.report import PageResult, tally
from benchmarks.run import check_answer

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
    hello = _measure(600, 2)
    pages = [PageResult("a", "dealer", "/a", _measure(100, 50)),  # met: 1/6 of 600, 50 ms
             PageResult("b", "dealer", "/b", _measure(99, 10)),  # too few requests
             PageResult("c", "dealer", "/c", _measure(200, 51)),  # too slow
             PageResult("d", "dealer", "/d", _measure(200, 10, not_ok=1)),  # an error
             PageResult("e", "dealer", "/e", error="answered 404")]
    notices = [NoticeTiming("one-page notice", 5, 0.6, 0.4, 40_000, 1),
               NoticeTiming("ten-page notice", 285, 2.5, 2.0, 120_000, 10)]
    assert tally(hello, pages, notices, BatchTiming(notices=3, seconds=2.0)) == (2, 7)
    assert tally(hello, pages, notices, BatchTiming(notices=3, seconds=1.0)) == (3, 7)
