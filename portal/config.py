"""Configuration read from the environment.

PORTAL_ENV selects the mode: ``development`` (default), ``production`` or ``testing``.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

WEAK_KEYS = {"", "dev", "change-me", "changeme", "secret", "development"}


class ConfigError(RuntimeError):
    """The environment does not describe a runnable portal."""


def _instance_secret_key(instance_path: str) -> str:
    """Return the key kept in instance/secret_key, creating it on first run."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url or f"sqlite:///{Path(instance_path) / 'portal.sqlite3'}"


def _queue_url(instance_path: str) -> str:
    return f"sqlite:///{Path(instance_path) / 'jobs.sqlite3'}"


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the Flask config for the mode named by PORTAL_ENV."""
    env = (overrides or {}).get("PORTAL_ENV") or os.environ.get("PORTAL_ENV", "development")
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    secret = os.environ.get("SECRET_KEY", "")
    if env == "production":
        if secret.lower() in WEAK_KEYS or len(secret) < 32:
            raise ConfigError(
                "PORTAL_ENV=production needs SECRET_KEY set to a random string of 32+ characters "
                "(python -c 'import secrets; print(secrets.token_hex(32))')."
            )
    elif not secret:
        secret = _instance_secret_key(instance_path)
    config = {
        "PORTAL_ENV": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": ["zh_CN", "en"],
        "PERMANENT_SESSION_LIFETIME": timedelta(
            minutes=int(os.environ.get("SESSION_MINUTES", "480"))
        ),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_DURATION": timedelta(days=0),
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,  # a multipart form with files (core/bodies.py)
        # Any other body: a form's fields, the API's JSON (1,000 ledger entries fit in a tenth).
        "MAX_BODY_LENGTH": 2 * 1024 * 1024,
        # An Excel import (portal.core.excel): the file, what its zip parts unpack to, and the
        # rows and cells read from its sheet (refused, naming the limit, as soon as one is passed).
        "EXCEL_MAX_BYTES": 5 * 1024 * 1024,
        "EXCEL_MAX_UNPACKED_BYTES": 20 * 1024 * 1024,  # 20,000 rows of 10 columns: ~10 MB
        "EXCEL_MAX_ROWS": 20_000,
        "EXCEL_MAX_CELLS": 400_000,
        # How many of a refused import's problems (and of a preview's rows) a page lists.
        "IMPORT_ROWS_SHOWN": 100,
        # Every photo, scan and signature (portal.core.uploads); the forms' labels quote it.
        "UPLOAD_MAX_BYTES": 8 * 1024 * 1024,
        "PAGE_SIZE": 25,
        # Failed sign-ins slow the next ones down, never lock (portal/accounts/throttle.py).
        "LOGIN_FREE_FAILURES": 3,  # per username and address before the first wait
        "LOGIN_DELAY_MAX_SECONDS": 300,  # the wait doubles up to this
        "LOGIN_USERNAME_DELAY_MAX_SECONDS": 30,  # the most other addresses' failures impose
        "LOGIN_FAILURE_WINDOW_MINUTES": 15,  # failures older than this are forgotten
        "API_MAX_FAILURES": 20,  # failed bearer tokens per address inside API_LOCK_MINUTES
        "API_LOCK_MINUTES": 15,
        "WTF_CSRF_TIME_LIMIT": None,
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").upper(),
        # Proxies in front of the app (a load balancer: 1) whose X-Forwarded-For/-Proto to trust.
        "PROXY_HOPS": int(os.environ.get("PROXY_HOPS", "0")),
        # How often cron runs ``flask analytics refresh`` (the pages showing a snapshot say so
        # beside its "as of"); nothing else refreshes the snapshots.
        "ANALYTICS_SNAPSHOT_MINUTES": int(os.environ.get("ANALYTICS_SNAPSHOT_MINUTES", "60")),
        # Processes a notice run renders its PDFs in, side by side (0: in the run's own thread).
        "NOTICE_RUN_PROCESSES": int(os.environ.get("NOTICE_RUN_PROCESSES", os.cpu_count() or 1)),
        # A running notice run whose heartbeat is older than this died with its consumer: the
        # queue resumes it (portal.finance.tasks).
        "NOTICE_RUN_STALE_SECONDS": int(os.environ.get("NOTICE_RUN_STALE_SECONDS", "180")),
        # The job queue (portal.core.jobs): a SQLite file here for one host, redis:// for several.
        "QUEUE_URL": os.environ.get("QUEUE_URL") or _queue_url(instance_path),
        "QUEUE_IMMEDIATE": False,
    }
    if env == "testing":
        # A cheap hash keeps hundreds of test sign-ins fast; production uses scrypt.
        config.update(
            TESTING=True,
            PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
            NOTICE_RUN_PROCESSES=0,  # a test that wants the processes asks for them
            QUEUE_IMMEDIATE=True,  # a task runs in the caller; a test of the queue asks for one
        )
    config.update(overrides or {})
    # A server connection can drop (a restart, a proxy's idle timeout): test it before use.
    # A SQLite file cannot, so its requests skip that extra statement.
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {
        "pool_pre_ping": not config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")})
    return config
