"""The job queue: its configuration, the schedules in Shanghai time, periodic jobs once per
period, and notice runs resumed after their consumer died. (The queue with real consumer
processes and two app hosts: tests/test_hosts.py.)"""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from huey.storage import RedisStorage, SqliteStorage

from portal import ROOT
from portal.accounts.roles import Role
from portal.core import jobs
from portal.core.db import clock_at, utcnow
from portal.extensions import db
from portal.finance import runs, tasks
from portal.finance.models import NoticeRun, RunStatus, WriteOffNotice
from portal.finance.notices import issue_notice
from portal.reports import tasks as report_tasks
from portal.reports.models import WeeklyReport
from tests import factories
from tests.builders import OCT_END, OCT_START, approved_claim

MONDAY_0700_SHANGHAI = datetime(2026, 11, 15, 23, 0, tzinfo=UTC)


def test_the_queue_url_chooses_the_storage():
    assert jobs.storage("sqlite:////srv/portal/instance/jobs.sqlite3") == (
        SqliteStorage, {"filename": "/srv/portal/instance/jobs.sqlite3"})
    assert jobs.storage("redis://10.0.0.5:6379/2") == (
        RedisStorage, {"url": "redis://10.0.0.5:6379/2"})
    with pytest.raises(ValueError, match="QUEUE_URL"):
        jobs.storage("amqp://broker")


def test_the_default_queue_is_a_file_in_the_instance_folder(app):
    assert app.config["QUEUE_URL"] == f"sqlite:///{app.instance_path}/jobs.sqlite3"
    assert jobs.huey.immediate  # the tests run a task at once, in the caller


def test_schedules_are_read_in_shanghai_time():
    weekly = jobs.SCHEDULE["weekly_report"]
    utc = MONDAY_0700_SHANGHAI.replace(tzinfo=None)  # Huey's scheduler hands naive UTC
    assert weekly(utc) and not weekly(utc + timedelta(hours=8))
    nightly = jobs.SCHEDULE["check_alerts"]
    assert nightly(datetime(2026, 11, 16, 18, 30)) and not nightly(datetime(2026, 11, 16, 2, 30))


def test_a_period_is_claimed_once_and_old_claims_go():
    now = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)
    assert jobs.claim_period("weekly_report", "2026-08-31", now - timedelta(days=70))
    assert jobs.claim_period("weekly_report", "2026-11-09", now)
    assert not jobs.claim_period("weekly_report", "2026-11-09", now)
    assert jobs.claim_period("check_alerts", "2026-11-16", now)
    kept = db.session.execute(sa.select(jobs.ScheduledRun.job, jobs.ScheduledRun.period)
                              .order_by(jobs.ScheduledRun.job)).all()
    assert [tuple(row) for row in kept] == [("check_alerts", "2026-11-16"),
                                            ("weekly_report", "2026-11-09")]


def test_a_periodic_job_runs_once_however_many_consumers_enqueue_it(world):
    """Every consumer's scheduler enqueues Monday's report; the first to claim the week makes
    it, the others find the week taken."""
    with clock_at(MONDAY_0700_SHANGHAI):
        report_tasks.weekly_report.call_local()
        first = db.session.scalars(sa.select(WeeklyReport)).one()
        made_at = first.generated_at
        with clock_at(MONDAY_0700_SHANGHAI + timedelta(seconds=40)):
            report_tasks.weekly_report.call_local()
    db.session.expire_all()
    report = db.session.scalars(sa.select(WeeklyReport)).one()
    assert report.week_start.isoformat() == "2026-11-09" and report.generated_at == made_at


def test_the_morning_job_raises_the_days_entitlements_once(world):
    from portal.claims import tasks as claim_tasks
    from portal.claims.models import UnitFlag
    from tests.test_entitlements import _open_repair

    _, claim = _open_repair(world, world.users[Role.DEALER_STAFF])
    db.session.commit()
    the_day = datetime(2025, 4, 7, 16, 5, tzinfo=UTC)  # 00:05 on 8 April in Shanghai
    assert jobs.SCHEDULE["raise_entitlements"](the_day.replace(tzinfo=None))
    with clock_at(the_day):
        claim_tasks.raise_entitlements.call_local()
    flags = db.session.scalars(sa.select(UnitFlag).where(UnitFlag.claim_id == claim.id)).all()
    assert [f.raised_on.isoformat() for f in flags] == ["2025-04-08"]
    assert not jobs.claim_period("raise_entitlements", "2025-04-08", utcnow())


def _killed_run(world, finance):
    """A run whose consumer was killed after dealer A's notice: still marked running, its
    heartbeat stopped."""
    dealers = [world.dealer_a, world.dealer_b, factories.make_dealer("DC-01", name="丙经销商")]
    for dealer in dealers:
        approved_claim(dealer)
    run = runs.start_run(OCT_START, OCT_END, actor=finance)
    db.session.flush()
    issue_notice(world.dealer_a.id, OCT_START, OCT_END, actor=finance, run_id=run.id,
                 with_pdf=False)
    run.dealers_done = run.notices_made = 1
    run.heartbeat_at = utcnow() - runs.stale_after() - timedelta(seconds=1)
    db.session.commit()
    return run, dealers


def test_an_interrupted_run_is_taken_over_once(world):
    run, _ = _killed_run(world, world.users[Role.FINANCE])
    assert runs.take_interrupted(utcnow()) == [run.id]
    assert runs.take_interrupted(utcnow()) == []  # another consumer, a second later
    db.session.refresh(run)
    assert run.status == RunStatus.RUNNING and not runs.is_interrupted(run)


def test_the_queue_resumes_an_interrupted_run_each_dealer_once(world):
    run, dealers = _killed_run(world, world.users[Role.FINANCE])
    assert tasks.resume_notice_runs.call_local() == [run.id]
    db.session.expire_all()
    done = db.session.get(NoticeRun, run.id)
    assert done.status == RunStatus.DONE
    assert (done.dealers_done, done.dealers_total, done.notices_made) == (3, 3, 3)
    made = db.session.scalars(sa.select(WriteOffNotice.dealer_id).where(
        WriteOffNotice.run_id == run.id).order_by(WriteOffNotice.seq)).all()
    assert made == [d.id for d in dealers]


def test_a_live_run_is_left_to_its_consumer(world):
    run = runs.start_run(OCT_START, OCT_END, actor=world.users[Role.FINANCE])
    db.session.commit()
    assert tasks.resume_notice_runs.call_local() == []
    assert db.session.get(NoticeRun, run.id).status == RunStatus.RUNNING


def test_the_worker_command_is_there(runner):
    result = runner.invoke(args=["jobs", "worker", "--help"])
    assert result.exit_code == 0 and "--workers" in result.output


PARENT = """
import sys, time
from flask import Flask
from portal import ROOT
from portal.core.pdf import PdfPool

with Flask("parent", static_folder=str(ROOT / "static")).app_context():
    pool = PdfPool(1)
    pool.submit("<p>started</p>").result()  # the process is up, WeasyPrint imported
    pool.submit("<p>long</p>" * 100_000)
    print(*pool.executor._processes, flush=True)
    time.sleep(60)
"""


def test_a_render_process_dies_with_the_process_that_started_it():
    """``kill -9`` of a consumer in the middle of a render: the render stops too, rather than
    going on alone (no orphan keeps a core busy)."""
    parent = subprocess.Popen([sys.executable, "-c", PARENT], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True)
    try:
        (render,) = map(int, parent.stdout.readline().split())
        time.sleep(0.5)  # rendering now
        assert _alive(render)
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 3
    while _alive(render) and time.monotonic() < deadline:
        time.sleep(0.05)
    orphan = _alive(render)
    if orphan:
        os.kill(render, signal.SIGKILL)  # not left behind by a failing test either
    assert not orphan


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_run_queued_twice_is_executed_once(world):
    """Taken over while still waiting in the queue, a run has two tasks: the second finds
    it executed by the first and leaves it."""
    finance = world.users[Role.FINANCE]
    approved_claim(world.dealer_a)
    run = runs.start_run(OCT_START, OCT_END, actor=finance)
    run.executor = "the-first-task"  # executing, beating
    db.session.commit()
    again = runs.execute_run(run.id)
    assert (again.status, again.dealers_done, again.executor) == (
        RunStatus.RUNNING, 0, "the-first-task")


def test_an_executor_whose_run_was_taken_over_stops(world):
    finance = world.users[Role.FINANCE]
    for dealer in (world.dealer_a, world.dealer_b):
        approved_claim(dealer)
    run = runs.start_run(OCT_START, OCT_END, actor=finance)
    db.session.commit()

    def taken_over(dealer_id, notice):  # it was slow; another consumer took the run
        db.session.get(NoticeRun, run.id).executor = "another"

    stopped = runs.execute_run(run.id, checkpoint=taken_over)
    assert (stopped.status, stopped.dealers_done, stopped.executor) == (
        RunStatus.RUNNING, 1, "another")


def test_the_hourly_job_forgets_failures_no_wait_counts_any_more(app, world):
    """Failed sign-ins and bearer tokens older than the throttle's windows are deleted; the
    recent ones, which still make a guesser wait, stay."""
    from portal.accounts import tasks as account_tasks
    from portal.accounts import throttle
    from portal.accounts.models import LoginFailure

    now = datetime(2026, 11, 16, 3, 7, tzinfo=UTC)
    window = max(app.config["LOGIN_FAILURE_WINDOW_MINUTES"], app.config["API_LOCK_MINUTES"])
    db.session.add_all([
        LoginFailure(username="w_clerk", remote_addr="10.7.7.7", at=now - timedelta(days=3)),
        LoginFailure(username=throttle.API_TOKEN_FAILURE, remote_addr="10.7.7.7",
                     at=now - timedelta(minutes=window, seconds=1)),
        LoginFailure(username="w_clerk", remote_addr="10.7.7.8",
                     at=now - timedelta(minutes=window - 1)),
    ])
    db.session.commit()
    assert jobs.SCHEDULE["forget_sign_in_failures"](now.replace(tzinfo=None))
    with clock_at(now):
        account_tasks.forget_sign_in_failures.call_local()
    db.session.expire_all()
    assert db.session.scalars(sa.select(LoginFailure.remote_addr)).all() == ["10.7.7.8"]
    with clock_at(now):
        assert throttle.sign_in_wait("w_clerk", "10.7.7.8") == 0  # one failure: still free
