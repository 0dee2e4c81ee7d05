"""A client process of the concurrency tests: only the standard library, so that a spawned
interpreter starts at once (importing the portal would take seconds on a loaded machine)."""

import http.client
import json
import time
from collections import Counter

_start = None  # the barrier every client process waits at, so that all begin together


def ready(barrier) -> None:
    """The pool's initializer: keep the start barrier."""
    global _start
    _start = barrier


def call(base: str, method: str, path: str, token: str, body=None) -> int:
    """One API call; its status."""
    return answer(base, method, path, token, body)[0]


def answer(base: str, method: str, path: str, token: str, body=None) -> tuple[int, object]:
    """One API call; its status and its JSON answer (None when it is not JSON)."""
    status, _headers, data = response(base, method, path, token, body)
    return status, data


def response(base: str, method: str, path: str, token: str, body=None) -> tuple:
    """One API call; its status, headers and JSON answer (None when it is not JSON)."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    headers = {"Authorization": f"Bearer {token}"}
    payload = None
    if body is not None:
        payload = json.dumps(body)
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, f"/api/v1{path}", body=payload, headers=headers)
        got = conn.getresponse()
        data = got.read()
        is_json = got.getheader("Content-Type", "").startswith("application/json")
        return got.status, got.headers, json.loads(data) if is_json else None
    finally:
        conn.close()


def mixed(base: str, calls: list, seconds: float) -> Counter:
    """Make ``calls`` (kind, method, path, token, body) in turn, again and again, for
    ``seconds`` after every client is ready; a ``{n}`` in a body's reference is replaced by the
    round's number. The count of each (kind, status, reference-or-None)."""
    _start.wait()
    statuses, n, end = Counter(), 0, time.monotonic() + seconds
    while time.monotonic() < end:
        n += 1
        for kind, method, path, token, body in calls:
            if body is not None and "reference" in body:
                body = {**body, "reference": body["reference"].format(n=n)}
            statuses[(kind, call(base, method, path, token, body))] += 1
    return statuses


def post_forms(base: str, username: str, password: str, page: str, action: str, forms: list,
               seconds: float) -> Counter:
    """Sign in as a person, take the form's CSRF token from ``page``, then post ``forms`` to
    ``action`` one after another for ``seconds`` after every client is ready; the count of
    each status."""
    from benchmarks.load import CSRF, fetch, sign_in  # the standard library's only

    cookie = sign_in(base, username, password)
    token = CSRF.search(fetch(base, page, cookie=cookie).body.decode()).group(1)
    _start.wait()
    statuses, end = Counter(), time.monotonic() + seconds
    for form in forms:
        if time.monotonic() >= end:
            break
        statuses[fetch(base, action, cookie=cookie,
                       form={"csrf_token": token, **form}).status] += 1
    return statuses
