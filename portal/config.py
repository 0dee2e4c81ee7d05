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
        "EXCEL_MAX_BYTES": 5 * 1024 * 1024,
        # Every photo, scan and signature (portal.core.uploads); the forms' labels quote it.
        "UPLOAD_MAX_BYTES": 8 * 1024 * 1024,
        "PAGE_SIZE": 25,
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCK_MINUTES": 15,
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
    }
    if env == "testing":
        # A cheap hash keeps hundreds of test sign-ins fast; production uses scrypt.
        config.update(
            TESTING=True,
            PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
            NOTICE_RUN_PROCESSES=0,  # a test that wants the processes asks for them
        )
    config.update(overrides or {})
    # A server connection can drop (a restart, a proxy's idle timeout): test it before use.
    # A SQLite file cannot, so its requests skip that extra statement.
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {
        "pool_pre_ping": not config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")})
    return config
