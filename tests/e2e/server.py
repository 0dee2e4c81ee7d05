"""A real portal for the browser: its own database made by the migrations, the small seed, and
gunicorn serving it on a free loopback port.

On SQLite the database is a temporary file. When TEST_DATABASE_URL names a PostgreSQL server
(scripts/test.sh's second run), a separate database ``portal_e2e`` is created on that server,
so the suite's own database (reset and used in rolled-back transactions) is left alone.
"""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from portal import ROOT, create_app
from portal.core.db import shanghai_today
from portal.extensions import db
from tests.e2e.seed import Seeded, seed

E2E_DATABASE = "portal_e2e"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def database(tmp: Path):
    """The URL of an empty database for the served portal; dropped afterwards on PostgreSQL."""
    suite_url = os.environ.get("TEST_DATABASE_URL", "")
    if not suite_url:
        yield f"sqlite:///{tmp / 'e2e.sqlite3'}"
        return
    url = sa.make_url(suite_url).set(database=E2E_DATABASE)
    admin = sa.create_engine(suite_url, isolation_level="AUTOCOMMIT")
    drop = sa.text(f"DROP DATABASE IF EXISTS {E2E_DATABASE} WITH (FORCE)")
    with admin.connect() as conn:
        conn.execute(drop)
        conn.execute(sa.text(f"CREATE DATABASE {E2E_DATABASE}"))
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
    """gunicorn (one worker, threads: the notice runs' background thread lives there too);
    yields the base URL once /healthz answers."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "PORTAL_INSTANCE_PATH": str(instance),
           "SECRET_KEY": secrets.token_hex(32), "PORTAL_ENV": "development",
           "LOG_LEVEL": "WARNING"}
    env.pop("TEST_DATABASE_URL", None)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--worker-class", "gthread", "--threads", "8", "--timeout", "120", "wsgi:app"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base, process, log)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(base: str, process, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the portal server exited ({process.returncode}):\n"
                               + log.read_text(errors="replace")[-3000:])
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the portal server did not answer within {seconds:.0f} s:\n"
                       + log.read_text(errors="replace")[-3000:])
