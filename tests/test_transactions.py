"""Transactions that hold under concurrent use: what a request writes, and when it locks.

The live, multi-process side of this is tests/test_concurrency.py; here, in-process, the rules
it rests on.
"""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.accounts.models import ApiToken
from portal.core.db import WRITER, clock_at
from portal.core.errors import lost_a_lock
from tests.conftest import TEST_DATABASE_URL

NOON = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


def _token_writes(db, call) -> list[str]:
    """The statements ``call()`` sends that write api_tokens."""
    seen = []

    def watch(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("UPDATE API_TOKENS"):
            seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", watch)
    try:
        call()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", watch)
    return seen


def test_a_token_s_use_is_written_at_most_once_a_minute(api, db):
    def me_at(moment):
        with clock_at(moment):
            return _token_writes(db, lambda: api("GET", "/me"))

    assert len(me_at(NOON)) == 1  # never used: noted
    assert me_at(NOON + timedelta(seconds=59)) == []  # a call a second writes nothing
    assert len(me_at(NOON + timedelta(minutes=1))) == 1
    used = db.session.scalars(sa.select(ApiToken.last_used_at)).all()
    assert NOON + timedelta(minutes=1) in used


@pytest.fixture
def two_connections(tmp_path):
    """Two connections to one database of their own making: a SQLite file, or on PostgreSQL
    the suite's server (they touch no table)."""
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'locks.sqlite3'}"
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as holder, engine.connect() as waiter:
        yield holder, waiter
    engine.dispose()


def _wait_briefly_for_a_lock_held(holder, waiter):
    """``holder`` takes a lock; ``waiter`` asks for it, giving up after 0.1 s."""
    if holder.dialect.name == "sqlite":
        waiter.exec_driver_sql("PRAGMA busy_timeout=100")
        waiter.commit()
        for conn in (holder, waiter):  # each BEGIN IMMEDIATE, as a request that writes
            conn.execution_options(**{WRITER: True}).begin()
    else:
        holder.execute(sa.text("SELECT pg_advisory_xact_lock(20)"))
        waiter.execute(sa.text("SET lock_timeout = '100ms'"))
        waiter.execute(sa.text("SELECT pg_advisory_xact_lock(20)"))


def test_a_lock_given_up_is_told_from_other_database_errors(two_connections):
    """The one test of "busy" (503 Retry-After, ``core.errors``) on each database's real error:
    a lock not granted in time is, a missing table is not."""
    holder, waiter = two_connections
    with pytest.raises(sa.exc.OperationalError) as busy:
        _wait_briefly_for_a_lock_held(holder, waiter)
    assert lost_a_lock(busy.value)
    waiter.rollback()
    if waiter.dialect.name == "sqlite":  # PostgreSQL reports a missing table otherwise
        with pytest.raises(sa.exc.OperationalError) as other:
            waiter.exec_driver_sql("SELECT * FROM no_such_table")
        assert not lost_a_lock(other.value)
