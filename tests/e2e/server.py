"""A real portal for the browser: its own database made by the migrations, the small seed, and
gunicorn serving it on a free loopback port.

On SQLite the database is a temporary file. When TEST_DATABASE_URL names a PostgreSQL server
(scripts/test.sh's second run), a separate database ``portal_e2e`` is created on that server,
so the suite's own database (reset and used in rolled-back transactions) is left alone.
"""

import os
import secrets
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from benchmarks.load import gunicorn
from portal import ROOT, create_app
from portal.core.db import shanghai_today
from portal.extensions import db
from tests.e2e.seed import Seeded, seed

E2E_DATABASE = "portal_e2e"


@contextmanager
def database(tmp: Path, name: str = E2E_DATABASE):
    """The URL of an empty database for the served portal (on PostgreSQL the database
    ``name``); dropped afterwards on PostgreSQL."""
    suite_url = os.environ.get("TEST_DATABASE_URL", "")
    if not suite_url:
        yield f"sqlite:///{tmp / 'e2e.sqlite3'}"
        return
    url = sa.make_url(suite_url).set(database=name)
    admin = sa.create_engine(suite_url, isolation_level="AUTOCOMMIT")
    drop = sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    with admin.connect() as conn:
        conn.execute(drop)
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(drop)
        admin.dispose()


def migrate_and_seed(url: str, instance: Path) -> Seeded:
    """Build the schema with the migrations, as in production, then the small seed."""
    previous = os.environ.get("PORTAL_INSTANCE_PATH")
    os.environ["PORTAL_INSTANCE_PATH"] = str(instance)
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "seed-only"})
    finally:
        if previous is None:
            os.environ.pop("PORTAL_INSTANCE_PATH")
        else:
            os.environ["PORTAL_INSTANCE_PATH"] = previous
    with app.app_context():
        upgrade()
        seeded = seed(shanghai_today())
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return seeded


@contextmanager
def serve(url: str, instance: Path, log: Path):
    """gunicorn (one worker, threads) and a job queue consumer beside it (the notice runs);
    yields the base URL once /healthz answers."""
    env = {"DATABASE_URL": url, "PORTAL_INSTANCE_PATH": str(instance),
           "SECRET_KEY": secrets.token_hex(32), "PORTAL_ENV": "development",
           "LOG_LEVEL": "INFO"}  # each request's status and time, for a failed test's report
    log.unlink(missing_ok=True)  # this run's server log only
    with consumer(env, log), gunicorn("wsgi:app", workers=1, threads=8, env=env, log_path=log,
                                      ready_path="/healthz") as base:
        yield base


@contextmanager
def consumer(env: dict, log: Path):
    """``flask jobs worker`` with ``env`` (its queue: QUEUE_URL, else the instance folder's
    file), as docs/deployment.md runs it, its output appended to ``log``; stopped after."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--workers", "1"],
            cwd=ROOT, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
