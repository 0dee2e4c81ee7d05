"""Serving an app with gunicorn, signing in over HTTP and driving a URL with wrk."""

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk.lua"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


@dataclass
class Measure:
    """What wrk saw for one URL during the measured seconds."""

    requests: int
    seconds: float
    not_ok: int  # answers other than 200
    socket_errors: int  # connect, read, write errors and timeouts
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(app: str, *, workers: int, env: dict, log_path: Path, ready_path: str,
             threads: int = 0):
    """Serve ``app`` (``module:variable``) on a free loopback port: sync workers, or with
    ``threads`` gthread workers; yield its base URL once ``ready_path`` answers 200; stop the
    server afterwards."""
    port = free_port()
    worker = ["--worker-class", "gthread", "--threads", str(threads)] if threads else [
        "--worker-class", "sync"]
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), *worker,
               "--bind", f"127.0.0.1:{port}", "--backlog", "2048", "--timeout", "120", app]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=log,
                                  stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, ready_path, server, log_path)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_ready(base: str, path: str, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}:\n"
                               + _tail(log_path))
        try:
            if fetch(base, path).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{base}{path} did not answer 200 within 60 s:\n" + _tail(log_path))


def _tail(log_path: Path) -> str:
    return log_path.read_text(errors="replace")[-3000:]


def fetch(base: str, path: str, *, cookie: str = "", htmx: bool = False, form: dict | None = None,
          timeout: float = 30) -> Answer:
    """One request, no redirects followed; a form makes it a POST."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    headers = {"Cookie": cookie} if cookie else {}
    if htmx:
        headers["HX-Request"] = "true"
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request("POST" if form is not None else "GET", path, body=body, headers=headers)
        response = conn.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        conn.close()


def _session_cookie(answer: Answer, before: str = "") -> str:
    """The ``session=…`` pair the answer sets (the cookie is Secure in production, which a
    cookie jar would not send back over plain HTTP, so it is handled by hand)."""
    for header in answer.headers.get_all("Set-Cookie") or []:
        pair = header.split(";", 1)[0]
        if pair.startswith("session="):
            return pair
    return before


def sign_in(base: str, username: str, password: str) -> str:
    """POST the real sign-in form with its CSRF token; return the session cookie."""
    page = fetch(base, "/login")
    token = CSRF.search(page.body.decode())
    if page.status != 200 or token is None:
        raise RuntimeError(f"the sign-in page answered {page.status} without a CSRF token")
    cookie = _session_cookie(page)
    answer = fetch(base, "/login", cookie=cookie,
                   form={"csrf_token": token.group(1), "username": username,
                         "password": password, "next": ""})
    if answer.status != 303:
        raise RuntimeError(f"signing in as {username} answered {answer.status}, not 303")
    return _session_cookie(answer, cookie)


def run_wrk(url: str, *, seconds: float, connections: int, cookie: str = "",
            htmx: bool = False) -> Measure:
    """Drive ``url`` for ``seconds`` with ``connections`` connections from one wrk thread."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
               "--timeout", "30s", "-s", str(WRK_SCRIPT)]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if htmx:
        command += ["-H", "HX-Request: true"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    line = next((x for x in output.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result for {url}:\n{output}")
    data = json.loads(line.removeprefix("BENCH "))
    return Measure(requests=data["requests"], seconds=data["duration_us"] / 1e6,
                   not_ok=data["not_ok"], socket_errors=data["socket_errors"],
                   p50_ms=data["p50_us"] / 1000, p90_ms=data["p90_us"] / 1000,
                   p99_ms=data["p99_us"] / 1000, max_ms=data["max_us"] / 1000)
