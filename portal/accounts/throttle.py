"""How long a sign-in or a bearer token must wait after failures: slowed down, never locked out.

Failed sign-ins are kept in ``LoginFailure`` (the database, so every worker and host sees
them). A wait grows with the recent failures and is answered without checking the password,
and an attempt made while waiting is not counted. Three scopes, each with its own wait, the
longest applying:

- this address trying this username: a few free failures (typos), then 2 s doubling to
  ``LOGIN_DELAY_MAX_SECONDS`` (5 min) — a guesser slows down to a try every few minutes;
- this username, from anywhere: the same growth but capped at the short
  ``LOGIN_USERNAME_DELAY_MAX_SECONDS`` (30 s) — many addresses together guess no faster than
  one try per 30 s, and the real user, from an address without failures of its own, waits at
  most 30 s after the latest failure of the others;
- this address, any username: four times the free failures, then as the first.

A bearer token is never refused because of anybody's bad tokens: the token is looked at first
and a valid one passes. Bad tokens are counted per address and, past ``API_MAX_FAILURES`` in
``API_LOCK_MINUTES``, answered 429 instead of 401 (a guess cannot succeed anyway: a token holds
256 random bits; the limit keeps noise cheap).
"""

import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from portal.accounts.models import LoginFailure
from portal.core.db import utcnow
from portal.extensions import db

# LoginFailure.username of a failed bearer token: no real username can hold "<".
API_TOKEN_FAILURE = "<api token>"


def backoff_seconds(failures: int, free: int, cap: int) -> int:
    """The wait after ``failures`` recent failures: none before the ``free``-th, 2 s after it,
    doubling with each further one, never above ``cap``."""
    if failures < free:
        return 0
    return min(cap, 2 ** min(failures - free + 1, 32))


def _scopes(username: str, address: str) -> list[tuple]:
    """(which failures, free failures, longest wait) for each scope of the module's rule."""
    config = current_app.config
    free, cap = config["LOGIN_FREE_FAILURES"], config["LOGIN_DELAY_MAX_SECONDS"]
    name, here = LoginFailure.username == username, LoginFailure.remote_addr == address
    return [
        (sa.and_(name, here), free, cap),
        (name, free, config["LOGIN_USERNAME_DELAY_MAX_SECONDS"]),
        (sa.and_(here, LoginFailure.username != API_TOKEN_FAILURE), free * 4, cap),
    ]


def _key(username: str, remote_addr: str) -> tuple[str, str]:
    return username.strip().lower()[:64], remote_addr[:64]


def _remaining(count: int, last: datetime | None, free: int, cap: int, now: datetime) -> int:
    if not count:
        return 0
    until = last + timedelta(seconds=backoff_seconds(count, free, cap))
    return max(0, math.ceil((until - now).total_seconds()))


def sign_in_wait(username: str, remote_addr: str) -> int:
    """Seconds until ``username`` may be tried from ``remote_addr``; 0: now."""
    now, scopes = utcnow(), _scopes(*_key(username, remote_addr))
    window = timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    row = db.session.execute(
        sa.select(*[column for condition, _free, _cap in scopes for column in (
            sa.func.count().filter(condition), sa.func.max(LoginFailure.at).filter(condition))])
        .where(LoginFailure.at >= now - window, sa.or_(*(c for c, _f, _c in scopes)))
    ).one()
    return max(_remaining(row[2 * i], row[2 * i + 1], free, cap, now)
               for i, (_condition, free, cap) in enumerate(scopes))


def record_sign_in_failure(username: str, remote_addr: str) -> None:
    """Count one refused sign-in (a wrong password, an unknown or deactivated username)."""
    name, address = _key(username, remote_addr)
    db.session.add(LoginFailure(username=name, remote_addr=address, at=utcnow()))


def clear_sign_in_failures(username: str, remote_addr: str) -> None:
    """Forget this address's failures on this username after it signed in; other addresses'
    stay counted (a guesser elsewhere does not start afresh because the user signed in)."""
    name, address = _key(username, remote_addr)
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.username == name,
                                                     LoginFailure.remote_addr == address))


def api_lockout_seconds(remote_addr: str) -> int:
    """Seconds this address's bad bearer tokens are answered 429; 0 when not."""
    now = utcnow()
    window = timedelta(minutes=current_app.config["API_LOCK_MINUTES"])
    count, oldest = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(LoginFailure.at)).where(
            LoginFailure.remote_addr == remote_addr[:64],
            LoginFailure.username == API_TOKEN_FAILURE, LoginFailure.at >= now - window)
    ).one()
    if count < current_app.config["API_MAX_FAILURES"]:
        return 0
    return int((oldest + window - now).total_seconds()) + 1


def forget_old_failures(now: datetime) -> int:
    """Delete the failures no wait counts any more (older than the longer of the two windows),
    so a flood of bad sign-ins or tokens does not stay in the table; the number deleted."""
    config = current_app.config
    window = timedelta(minutes=max(config["LOGIN_FAILURE_WINDOW_MINUTES"],
                                   config["API_LOCK_MINUTES"]))
    return db.session.execute(sa.delete(LoginFailure).where(LoginFailure.at < now - window)
                              ).rowcount


def record_api_failure(remote_addr: str) -> None:
    """Count one unknown, revoked or malformed bearer token from this address."""
    db.session.add(LoginFailure(username=API_TOKEN_FAILURE, remote_addr=remote_addr[:64],
                                at=utcnow()))
