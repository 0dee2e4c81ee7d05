"""Work outside the request: one Huey queue, configured from the app, and the consumer running it.

``QUEUE_URL`` chooses the queue's storage: ``sqlite:///path`` (the default, a file in the
instance folder: nothing to install or start, one host) or ``redis://host:port/db`` (several
app hosts and consumers share it). In tests (``QUEUE_IMMEDIATE``) a task runs at once, in the
caller, unless a test is about the queue itself.

Tasks are declared with ``task`` and ``periodic`` below (never ``huey.task``), so each runs
inside the portal's app context. A periodic job runs once per period however many consumers
enqueue it: the first to claim the period's row in ``scheduled_runs`` does the work.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps

import click
import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from flask.cli import AppGroup
from huey import Huey, crontab
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import SHANGHAI, UTCDateTime, utcnow
from portal.extensions import db

# Immediate (in memory) until ``init_app`` reads the app's QUEUE_URL.
huey = Huey("portal", immediate=True)
_app: Flask | None = None
KEEP_CLAIMS = timedelta(days=60)  # longer than the longest period, a week


class ScheduledRun(db.Model):
    """A periodic job's period, claimed by the consumer that runs it."""

    __tablename__ = "scheduled_runs"

    job: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)


def storage(url: str) -> tuple[type, dict]:
    """Huey's storage class and its arguments for a QUEUE_URL."""
    if url.startswith("sqlite:///"):
        return SqliteStorage, {"filename": url.removeprefix("sqlite:///")}
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStorage, {"url": url}
    raise ValueError(f"QUEUE_URL must be sqlite:///path or redis://host:port/db, not {url!r}")


def init_app(app: Flask) -> None:
    """Point the queue at the app's storage; tasks run in this app's context."""
    global _app
    _app = app
    huey.storage_class, huey.storage_kwargs = storage(app.config["QUEUE_URL"])
    huey.immediate = app.config["QUEUE_IMMEDIATE"]
    huey.storage = huey.create_storage()


def _in_app(fn: Callable) -> Callable:
    """Run ``fn`` in the app's context; in the caller's own when it has one (immediate mode
    inside a request or a command), so it sees the caller's session."""

    @wraps(fn)
    def run(*args, **kwargs):
        if has_app_context():
            return fn(*args, **kwargs)
        with _app.app_context():
            return fn(*args, **kwargs)

    return run


def task(**settings) -> Callable:
    """Declare a queued task: calling it enqueues it (a result handle comes back)."""
    return lambda fn: huey.task(**settings)(_in_app(fn))


def shanghai_crontab(**fields) -> Callable[[datetime], bool]:
    """A crontab read in Shanghai time (Huey hands the scheduler UTC)."""
    matches = crontab(**fields)
    return lambda stamp: matches(stamp.replace(tzinfo=UTC).astimezone(SHANGHAI)
                                 .replace(tzinfo=None))


# Every periodic job's schedule, in Shanghai time: what host cron ran before.
SCHEDULE = {
    "resume_notice_runs": shanghai_crontab(),  # every minute
    "refresh_snapshots": shanghai_crontab(minute="*/15"),
    "forget_sign_in_failures": shanghai_crontab(minute="7"),  # hourly
    "raise_entitlements": shanghai_crontab(hour="0", minute="5"),
    "check_alerts": shanghai_crontab(hour="2", minute="30"),
    "weekly_report": shanghai_crontab(day_of_week="1", hour="7", minute="0"),
}


def periodic(period: Callable[[datetime], str] | None = None):
    """Declare a periodic job ``fn(now)`` on its ``SCHEDULE``, enqueued by every consumer's
    scheduler. With ``period``, only the consumer that claims ``period(now in Shanghai)``
    runs it; without, the job must itself be safe to run on several consumers at once."""

    def decorate(fn):
        @wraps(fn)
        def once():
            now = utcnow()
            if period is None:
                return fn(now)
            key = period(now.astimezone(SHANGHAI))
            if not claim_period(fn.__name__, key, now):
                current_app.logger.info("job %s %s: run by another consumer", fn.__name__, key)
                return None
            current_app.logger.info("job %s %s: running", fn.__name__, key)
            return fn(now)

        return huey.periodic_task(SCHEDULE[fn.__name__], name=fn.__name__)(_in_app(once))

    return decorate


def claim_period(job: str, period: str, now: datetime) -> bool:
    """Take ``job``'s ``period`` for this process and commit; False when another had it.
    The job's claims older than ``KEEP_CLAIMS`` go (no consumer enqueues those periods)."""
    try:
        with db.session.begin_nested():
            db.session.add(ScheduledRun(job=job, period=period, started_at=now))
    except IntegrityError:
        return False
    db.session.execute(sa.delete(ScheduledRun).where(ScheduledRun.job == job,
                                                     ScheduledRun.started_at < now - KEEP_CLAIMS))
    db.session.commit()
    return True


def run_consumer(workers: int) -> None:
    """Execute queued tasks and enqueue the periodic ones until stopped (SIGINT: after the
    tasks in hand; SIGTERM: at once; an interrupted notice run is resumed later)."""
    huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                         check_worker_health=True).run()


jobs_cli = AppGroup("jobs", help="The job queue.")


@jobs_cli.command("worker")
@click.option("--workers", default=2, show_default=True, help="Tasks run side by side.")
def worker(workers):
    """Run a consumer: the queued tasks, and the periodic jobs when they are due."""
    run_consumer(workers)
