"""Transactions that hold under concurrent use: what a request writes, and when it locks.

The live, multi-process side of this is tests/test_concurrency.py; here, in-process, the rules
it rests on.
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from portal.accounts.models import ApiToken
from portal.core.db import clock_at

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
