"""What docs/deployment.md promises for several app hosts: two gunicorn processes on different
ports, one database, one job queue with its consumer, one uploads folder.

A session made on one host works on the other; a photo uploaded on one is served by both; a
notice run started on one is followed and cancelled from the other; a periodic job that two
consumers' schedulers enqueue runs once; a consumer killed with ``kill -9`` in the middle of a
run leaves no render process behind, and the consumer started after it finishes the run, each
dealer's notice made once.

On SQLite both hosts share the one database file and the queue is Huey's SQLite file. With
TEST_DATABASE_URL (PostgreSQL) the hosts use a schema of their own in that database (dropped
afterwards), and the queue is a redis-server started here, as several hosts would share it.
"""

import io
import os
import re
import secrets
import shutil
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from PIL import Image

from benchmarks.load import CSRF, fetch, free_port, gunicorn, sign_in
from portal.accounts.roles import Role
from portal.claims.models import ClaimAttachment
from portal.extensions import db
from portal.finance.models import NoticeRun, RunStatus, WriteOffNotice
from portal.quality.models import AlertRun
from tests import factories
from tests.builders import approved_claim
from tests.e2e.server import consumer as queue_consumer
from tests.helpers import queue_in
from tests.ops_helpers import portal_app

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
SCHEMA = "two_hosts"
DEALERS = 8  # enough that a run is still going when it is cancelled or killed


@dataclass
class Deployment:
    hosts: tuple[str, str]
    env: dict
    url: str
    logs: Path
    finance: str
    dealer_user: str
    draft_claim: int
    consumer: subprocess.Popen | None = None


@contextmanager
def _database(tmp: Path):
    """The hosts' database URL: a SQLite file, or a schema of the suite's PostgreSQL database."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp / 'portal.sqlite3'}"
        return
    engine = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    drop = sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    with engine.connect() as conn:
        conn.execute(drop)
        conn.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
    url = sa.make_url(TEST_DATABASE_URL).update_query_dict(
        {"options": f"-csearch_path={SCHEMA}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(drop)
        engine.dispose()


@contextmanager
def _queue(tmp: Path):
    """The queue's URL: Huey's SQLite file beside SQLite, a fresh redis-server beside
    PostgreSQL."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp / 'jobs.sqlite3'}"
        return
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (scripts/test.sh installs it)")
    port = free_port()
    redis = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", str(tmp)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: _redis_answers(port), 10, "redis-server did not start")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        redis.terminate()
        redis.wait(timeout=10)


def _redis_answers(port: int) -> bool:
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    try:
        return Redis(port=port).ping()
    except RedisDown:
        return False


def _seed(url: str, instance: Path) -> tuple[str, str, int]:
    """A finance user, a dealer's user with a draft claim, and DEALERS dealers each with a
    claim approved in October and one in November 2026."""
    with portal_app(url, instance):
        upgrade()  # the schema and the reference data the migrations load
        finance = factories.make_user(Role.FINANCE)
        dealers = [factories.make_dealer(f"HX-{n:02d}") for n in range(DEALERS)]
        for dealer in dealers:
            approved_claim(dealer, finance_on=date(2026, 10, 15))
            approved_claim(dealer, finance_on=date(2026, 11, 15))
        staff = factories.make_user(Role.DEALER_ADMIN, dealer=dealers[0])
        draft = factories.make_claim(factories.make_unit(dealer=dealers[0]), created_by=staff)
        db.session.commit()
        return finance.username, staff.username, draft.id


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hosts")
    instance = tmp / "instance"  # the shared folder: uploads (and the queue's file on SQLite)
    with ExitStack() as stack:
        url = stack.enter_context(_database(tmp))
        env = {"DATABASE_URL": url, "PORTAL_INSTANCE_PATH": str(instance),
               "SECRET_KEY": secrets.token_hex(32), "PORTAL_ENV": "development",
               "LOG_LEVEL": "WARNING", "QUEUE_URL": stack.enter_context(_queue(tmp)),
               "NOTICE_RUN_PROCESSES": "1", "NOTICE_RUN_STALE_SECONDS": "2"}
        finance, staff, draft = _seed(url, instance)
        deployment = Deployment((), env, url, tmp, finance, staff, draft)
        # The consumer starts beside the hosts; the last test kills it.
        deployment.consumer = stack.enter_context(consumer(deployment, "consumer"))
        with ThreadPoolExecutor(2) as starting:  # side by side: each waits for its /healthz
            deployment.hosts = tuple(starting.map(lambda n: stack.enter_context(gunicorn(
                "wsgi:app", workers=1, env=env, log_path=tmp / f"host-{n}.log",
                ready_path="/healthz")), (1, 2)))
        yield deployment


def consumer(deployment: Deployment, name: str, **env):
    """A consumer of the deployment's queue, its log beside the hosts'."""
    return queue_consumer({**deployment.env, "LOG_LEVEL": "INFO", **env},
                          deployment.logs / f"{name}.log")


def _wait_for(check, seconds: float, message: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.1)
    raise AssertionError(message)


def _run(url: str, run_id: int) -> NoticeRun:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.select(NoticeRun.__table__).where(
                NoticeRun.id == run_id)).one()
    finally:
        engine.dispose()


def _finished(url: str, run_id: int):
    run = _run(url, run_id)
    return run if run.status != RunStatus.RUNNING else None


def _token(base: str, path: str, cookie: str) -> str:
    page = fetch(base, path, cookie=cookie)
    assert page.status == 200, (path, page.status)
    return CSRF.search(page.body.decode()).group(1)


def _start_run(base: str, cookie: str, period: str) -> int:
    token = _token(base, "/finance/notices/generate", cookie)
    answer = fetch(base, "/finance/notices/generate", cookie=cookie,
                   form={"csrf_token": token, "period": period})
    assert answer.status == 303, answer.body[:500]
    return int(answer.headers["Location"].rsplit("/", 1)[1])


def test_a_session_made_on_one_host_works_on_the_other(deployment):
    one, two = deployment.hosts
    cookie = sign_in(one, deployment.dealer_user, factories.PASSWORD)
    page = fetch(two, f"/claims/{deployment.draft_claim}", cookie=cookie)
    assert page.status == 200
    assert fetch(two, f"/claims/{deployment.draft_claim}").status in (302, 303)  # not signed in


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def _post_photo(base: str, cookie: str, claim_id: int, photo: bytes):
    """The claim page's photo form, posted as the browser does (multipart)."""
    page = fetch(base, f"/claims/{claim_id}", cookie=cookie).body.decode()
    token = CSRF.search(page).group(1)
    version = re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)
    boundary = secrets.token_hex(8)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
             .encode() for k, v in (("csrf_token", token), ("version", version))]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; '
                 f'filename="repair.png"\r\nContent-Type: image/png\r\n\r\n'.encode()
                 + photo + f"\r\n--{boundary}--\r\n".encode())
    import http.client

    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("POST", f"/claims/{claim_id}/photos", body=b"".join(parts),
                 headers={"Cookie": cookie,
                          "Content-Type": f"multipart/form-data; boundary={boundary}"})
    status = conn.getresponse().status
    conn.close()
    return status


def test_a_photo_uploaded_on_one_host_is_served_by_both(deployment):
    one, two = deployment.hosts
    cookie = sign_in(two, deployment.dealer_user, factories.PASSWORD)
    photo = _png()
    assert _post_photo(two, cookie, deployment.draft_claim, photo) == 303
    engine = sa.create_engine(deployment.url)
    with engine.connect() as conn:
        attachment = conn.scalar(sa.select(sa.func.max(ClaimAttachment.id)).where(
            ClaimAttachment.claim_id == deployment.draft_claim))
    engine.dispose()
    for base in (one, two):
        answer = fetch(base, f"/claims/{deployment.draft_claim}/files/{attachment}",
                       cookie=cookie)
        assert answer.status == 200 and answer.body == photo, base


def test_a_run_started_on_one_host_is_followed_and_cancelled_from_the_other(deployment):
    one, two = deployment.hosts
    cookie = sign_in(one, deployment.finance, factories.PASSWORD)
    run_id = _start_run(one, cookie, "2026-10")
    _wait_for(lambda: _run(deployment.url, run_id).dealers_done >= 1, 30,
              "the consumer did not take up the run")
    progress = fetch(two, f"/finance/runs/{run_id}", cookie=cookie, htmx=True)
    assert progress.status == 200 and 'id="run-progress"' in progress.body.decode()
    assert 'hx-trigger="every 1s"' in progress.body.decode()  # still running: it polls
    token = _token(two, f"/finance/runs/{run_id}", cookie)
    assert fetch(two, f"/finance/runs/{run_id}/cancel", cookie=cookie,
                 form={"csrf_token": token}).status == 303
    run = _wait_for(lambda: _finished(deployment.url, run_id), 30, "the run did not stop")
    assert run.status == RunStatus.CANCELLED
    assert run.dealers_done < DEALERS
    page = fetch(one, f"/finance/runs/{run_id}", cookie=cookie, htmx=True).body.decode()
    assert "every 1s" not in page  # finished: no more polling, on either host


def test_a_periodic_job_runs_once_with_two_consumers(deployment, app):
    """Each consumer's scheduler enqueues the nightly check at 02:30; one of them runs it."""
    from portal.quality.tasks import check_alerts

    with consumer(deployment, "consumer-2"), queue_in(app, deployment.env["QUEUE_URL"]):
        check_alerts(), check_alerts()  # as two schedulers do
        _wait_for(lambda: _consumer_logs(deployment).count("job check_alerts ") == 2, 40,
                  "the consumers did not take both")
    assert _consumer_logs(deployment).count(": run by another consumer") == 1
    engine = sa.create_engine(deployment.url)
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(AlertRun)) == 1
    engine.dispose()


def _consumer_logs(deployment: Deployment) -> str:
    return "".join(log.read_text(errors="replace")
                   for log in deployment.logs.glob("consumer*.log"))


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_consumer_killed_mid_run_leaves_no_render_and_the_next_one_finishes(deployment):
    one, two = deployment.hosts
    cookie = sign_in(two, deployment.finance, factories.PASSWORD)
    first = deployment.consumer
    run_id = _start_run(two, cookie, "2026-11")
    renders = _wait_for(lambda: _run(deployment.url, run_id).dealers_done >= 1
                        and _children(first.pid), 30, "no render process started")
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    _wait_for(lambda: not any(_alive(pid) for pid in renders), 10,
              "a render process outlived its consumer")
    killed = _run(deployment.url, run_id)
    assert killed.status == RunStatus.RUNNING and killed.dealers_done < DEALERS
    time.sleep(2)  # NOTICE_RUN_STALE_SECONDS: its heartbeat is stale now
    with consumer(deployment, "consumer-next", NOTICE_RUN_PROCESSES="0"):
        done = _wait_for(lambda: _finished(deployment.url, run_id), 40,
                         "the next consumer did not finish the run")
    assert done.status == RunStatus.DONE
    assert done.dealers_done == done.dealers_total == DEALERS
    engine = sa.create_engine(deployment.url)
    with engine.connect() as conn:
        dealers = conn.scalars(sa.select(WriteOffNotice.dealer_id).where(
            WriteOffNotice.run_id == run_id)).all()
    engine.dispose()
    assert len(dealers) == len(set(dealers)) == done.notices_made
