"""Column types and engine settings shared by every domain."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import DateTime, Numeric, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

from portal.extensions import db as _db

CENT = Decimal("0.01")
SHANGHAI = ZoneInfo("Asia/Shanghai")


# The moment utcnow() answers instead of the real clock while set: for loading data as of
# another day (the demo) and for tests. No request sets it.
_frozen_at: ContextVar[datetime | None] = ContextVar("frozen_at", default=None)


def utcnow() -> datetime:
    """Now, in UTC: the real clock, or the moment ``clock_at`` set."""
    return _frozen_at.get() or datetime.now(UTC)


@contextmanager
def clock_at(moment: datetime) -> Iterator[datetime]:
    """Let utcnow() and shanghai_today() answer ``moment`` (aware) inside the block."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; the clock needs an aware moment")
    token = _frozen_at.set(moment.astimezone(UTC))
    try:
        yield moment
    finally:
        _frozen_at.reset(token)


def shanghai_today() -> date:
    """Today's business date: the date in Asia/Shanghai, whatever the server's zone."""
    return utcnow().astimezone(SHANGHAI).date()


def money(value) -> Decimal:
    """Return value as exact yuan with two places (never via float)."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite has no time zones, so values come back naive; they are UTC by construction.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


Money = Numeric(12, 2, asdecimal=True)


SQLITE_MMAP_BYTES = 2_147_418_112  # SQLITE_MAX_MMAP_SIZE of common builds; larger is clamped
SQLITE_CACHE_KIB = 65_536


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Turn on WAL, foreign keys and a busy timeout; let SQLAlchemy own transactions."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    # Read the file through a memory map (up to SQLite's usual 2 GiB limit) and keep 64 MiB of
    # pages per connection instead of the default 2 MiB: on a production-sized file (gigabytes)
    # list and detail pages read half as fast through read() calls into the small cache.
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


try:  # PostgreSQL's driver: installed with the portal, but a SQLite-only setup runs without it
    import psycopg
except ImportError:  # pragma: no cover
    psycopg = None


class _Description(Sequence):
    """A cursor's ``description`` whose ``Column`` objects are made when first read.

    SQLAlchemy asks every cursor for its description but, for a statement it has run before
    (its result's columns known), only looks whether there is one. psycopg makes a ``Column``
    per column each time it is asked (a type look-up, a name decoded): about 1 µs a column, some
    0.3–0.7 ms of a page's CPU (twenty statements, hundreds of columns) spent on nothing
    (measured on the benchmark's pages, 2026-12-08).
    """

    __slots__ = ("_cursor", "_result", "_columns")

    def __init__(self, cursor, result):
        self._cursor, self._result, self._columns = cursor, result, None

    def _made(self) -> list:
        if self._columns is None:
            if self._cursor.pgresult is not self._result:
                raise psycopg.InterfaceError("description read after the cursor ran another "
                                             "statement; read it before")
            self._columns = psycopg.Cursor.description.__get__(self._cursor)
        return self._columns

    def __len__(self) -> int:
        return self._result.nfields

    def __getitem__(self, index):
        return self._made()[index]

    def __repr__(self) -> str:
        return repr(self._made())


if psycopg is not None:
    class DescribingCursor(psycopg.Cursor):
        """psycopg's cursor, its ``description`` made lazily (``_Description``)."""

        @property
        def description(self):
            result = self.pgresult
            if result is None or not result.nfields:
                return super().description  # no result, or one without columns: as psycopg
            return _Description(self, result)


@event.listens_for(Engine, "connect")
def _psycopg_cursors(dbapi_connection, connection_record):
    """Give a PostgreSQL connection's cursors a lazily made ``description``."""
    if psycopg is not None and isinstance(dbapi_connection, psycopg.Connection):
        dbapi_connection.cursor_factory = DescribingCursor


def named(owner, column, where, label: str):
    """``column`` of the row ``where`` finds, as a labelled subquery correlated to ``owner``: a
    list row's name of what it refers to (a dealer's code, a unit's serial, a count), read for the
    rows a page shows (each database evaluates it after the sort's LIMIT), not by loading the
    related records whole."""
    return sa.select(column).where(where).correlate(owner).scalar_subquery().label(label)


WRITER = "portal_writer"  # the execution option begin_writing sets on the session's connection


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    # pysqlite's own transaction handling breaks SAVEPOINT; emit BEGIN ourselves.
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITER)
                             else "BEGIN")


def begin_writing(session) -> None:
    """Start the session's transaction as a writer, unless it has begun already.

    On SQLite that is BEGIN IMMEDIATE: the write lock is taken at once, a second writer waiting
    for it on the busy timeout. A transaction begun by a plain BEGIN that reads and then
    writes fails instead ("database is locked") when another wrote in between, because its
    reads are older than that commit. PostgreSQL needs nothing: its row locks queue writers.
    """
    if not session.in_transaction():
        session.connection(execution_options={WRITER: True})


def _is_writer(session) -> bool:
    return session.in_transaction() and bool(
        session.connection().get_execution_options().get(WRITER))


def commit_apart(session, change) -> None:
    """Commit ``change()`` at once, as a writer, before the request's real work.

    A reader's transaction so far ends first (committed: it has only read) and a writer's is
    begun: done inside a transaction that had already read (a GET's), the write would be
    refused as soon as another connection had committed since ("database is locked", at once,
    whatever the busy timeout). A writer (a POST's, its lock taken at BEGIN) writes in its
    own transaction, commits, and is begun as a writer again for the work that follows. For a
    small write such as noting a token's use.
    """
    writer = _is_writer(session)
    if not writer:
        session.commit()
        begin_writing(session)
    change()
    session.commit()
    if writer:
        begin_writing(session)


def month_start(column):
    """The first day of the month of a date column, as a date, in SQL (either database)."""
    if _db.session.get_bind().dialect.name == "postgresql":
        return sa.cast(sa.func.date_trunc("month", column), sa.Date)
    return sa.func.date(column, "start of month", type_=sa.Date)


def starts_with(column, text: str):
    """``column`` starts with ``text``, as a range of the column's (binary) order: unlike LIKE,
    a plain index answers it on SQLite as on PostgreSQL."""
    return sa.and_(column >= text, column < text + "\U0010ffff")
