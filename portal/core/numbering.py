"""Document numbers: every numbered document's format, and the one counter they are taken from.

A number is taken from a counter row per (kind of document, Shanghai year), incremented by one
UPDATE … RETURNING in the caller's transaction. The row stays locked until that transaction
ends, so a second writer waits for the first to commit (PostgreSQL queues it on the row lock;
SQLite on its write lock, which a request that writes takes at BEGIN: ``core.db.begin_writing``)
and then takes the next number: never a clash, never a retry. A rolled-back transaction gives
its number back, so the numbers of a year are gapless — which finance needs for write-off
notices, and which every other kind gets too, except that a delivery note may carry a number
typed in from paper (``note_typed`` moves the counter past it).

A year's counter starts from the highest number of its kind already stored that year, so
documents written around this service (the benchmark's data generator, a restored backup)
are continued, never repeated.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import SHANGHAI, starts_with
from portal.extensions import db


@dataclass(frozen=True)
class Scheme:
    """How one kind of document is numbered: ``pattern`` formats the year and the sequence;
    ``table`` is where the numbers are stored (read only to start a year's counter)."""

    pattern: str
    table: str

    def format(self, year: int, seq: int) -> str:
        return self.pattern.format(year=year, n=seq)

    def prefix(self, year: int) -> str:
        return self.pattern.split("{n", 1)[0].format(year=year)

    def parse(self, number: str) -> tuple[int, int] | None:
        """(year, sequence) of a number written in this scheme (any count of digits), else None."""
        head = re.escape(self.pattern.split("{n", 1)[0]).replace(r"\{year\}", r"(\d{4})")
        match = re.fullmatch(head + r"(\d{1,9})", number)
        return (int(match[1]), int(match[2])) if match else None


# Every numbered document, in one place. Keep a pattern as it is once documents carry it.
SCHEMES = {
    "claim": Scheme("WX{year}{n:07d}", "claims"),                   # WX20260000123
    "service_request": Scheme("FW{year}{n:06d}", "service_requests"),  # FW2026000041
    "return_shipment": Scheme("HY{year}{n:06d}", "return_shipments"),  # HY2026000007
    "notice": Scheme("HX-{year}-{n:04d}", "write_off_notices"),     # HX-2026-0001, gapless
    "delivery_note": Scheme("FH-{year}-{n:05d}", "delivery_notes"),   # FH-2026-00001
    "complaint": Scheme("TS{year}{n:05d}", "complaints"),             # TS202600001
    "stock_return": Scheme("FC-{year}-{n:04d}", "stock_returns"),     # FC-2026-0001
    "sanbao_case": Scheme("HT-{year}-{n:04d}", "sanbao_cases"),       # HT-2026-0001 (换/退)
}


def plan_reference(season_id: int, dealer_code: str) -> str:
    """A stocking plan is not counted: it is the one plan of its season and dealer, so its
    order reference is made of those two (CB007-D0001)."""
    return f"CB{season_id:03d}-{dealer_code}"


def read_plan_reference(text: str) -> tuple[int, str] | None:
    """The season id and (the start of) the dealer code a typed ``plan_reference`` names
    (``CB007-D0001``, ``cb7``, ``CB007-D``); None for text that is not one."""
    found = re.fullmatch(r"CB(\d{1,9})(?:-(\S*))?", text.strip().upper())
    return (int(found[1]), found[2] or "") if found else None


class DocumentCounter(db.Model):
    """The last number taken of a kind of document in a (Shanghai) year."""

    __tablename__ = "document_counters"

    kind: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Number(NamedTuple):
    seq: int
    text: str


def year_of(at: datetime | date) -> int:
    """The business year of a moment (its year in Shanghai) or of a business date."""
    return at.astimezone(SHANGHAI).year if isinstance(at, datetime) else at.year


def next_number(kind: str, at: datetime | date) -> Number:
    """Take the next number of ``kind`` in the Shanghai year of ``at`` (a moment, or a
    business date), in the caller's transaction: (7, "FC-2026-0007")."""
    year = year_of(at)
    seq = _increment(kind, year)
    if seq is None:  # the year's first: start its counter, then take from it
        _start_counter(kind, year)
        seq = _increment(kind, year)
    return Number(seq, SCHEMES[kind].format(year, seq))


def _increment(kind: str, year: int) -> int | None:
    # A write first: on SQLite this statement takes the write lock (waiting for it) before the
    # transaction has read anything another writer could change.
    return db.session.execute(
        sa.update(DocumentCounter)
        .where(DocumentCounter.kind == kind, DocumentCounter.year == year)
        .values(last=DocumentCounter.last + 1).returning(DocumentCounter.last)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()


def note_typed(kind: str, number: str) -> None:
    """A number typed in rather than taken: when it is written in the kind's scheme, move the
    counter of its year up to it, so the counter never hands it out again."""
    parsed = SCHEMES[kind].parse(number)
    if parsed is None:
        return
    year, seq = parsed
    _start_counter(kind, year)
    db.session.execute(
        sa.update(DocumentCounter)
        .where(DocumentCounter.kind == kind, DocumentCounter.year == year,
               DocumentCounter.last < seq)
        .values(last=seq).execution_options(synchronize_session=False))


def _start_counter(kind: str, year: int) -> None:
    """Create the year's counter at the highest number already stored, unless it exists.
    A concurrent creator's row wins (ON CONFLICT DO NOTHING waits for it, then does nothing)."""
    key = (DocumentCounter.kind == kind, DocumentCounter.year == year)
    if db.session.execute(sa.select(DocumentCounter.last).where(*key)).first():
        return
    insert = _insert_for(db.session.get_bind().dialect.name)(DocumentCounter)
    db.session.execute(insert.values(kind=kind, year=year, last=_highest_stored(kind, year))
                       .on_conflict_do_nothing(index_elements=["kind", "year"]))


def _insert_for(dialect: str):
    from sqlalchemy.dialects import postgresql, sqlite

    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _highest_stored(kind: str, year: int) -> int:
    """The highest sequence among the stored numbers of ``kind`` in ``year`` (0 if none).
    Read once per kind and year, when its counter starts."""
    scheme = SCHEMES[kind]
    column = sa.column("number")
    numbers = db.session.scalars(sa.select(column).select_from(sa.table(scheme.table))
                                 .where(starts_with(column, scheme.prefix(year))))
    seqs = [parsed[1] for parsed in map(scheme.parse, numbers) if parsed and parsed[0] == year]
    return max(seqs, default=0)
