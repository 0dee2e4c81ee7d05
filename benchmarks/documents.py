"""Timing the write-off notices: a one-page and a ten-page notice, and a batch run.

Everything here issues notices through the real services (``issue_notice``, ``start_run`` and
``execute_run`` of ``portal.finance``), which takes claims into notices for good. So it works on
a scratch copy of the database, made just before and dropped afterwards: the data set stays as
the generator left it and the benchmark can be run again on it.
"""

import sqlite3
import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import pypdfium2
import sqlalchemy as sa
from flask import Flask

from portal.accounts.models import User
from portal.claims.models import Claim, FinanceStage
from portal.extensions import db
from portal.finance import runs
from portal.finance.documents import render_notice_pdf
from portal.finance.models import NoticeClaim, WriteOffNotice
from portal.finance.notices import issue_notice

ONE_PAGE_CLAIMS = 5  # "a notice with a few claims"
TEN_PAGE_CLAIMS = 285  # ~10 A4 pages of claim rows (measured: 280 rows made 10 pages)
WARM_RENDERS = 3


@dataclass
class NoticeTiming:
    label: str
    claims: int = 0
    cold_s: float | None = None  # issuing it: number, claims taken, first PDF render, commit
    warm_s: float | None = None  # rendering its PDF again in the same process (median of 3)
    size: int = 0
    pages: int = 0
    note: str = ""


@dataclass
class BatchTiming:
    notices: int = 0
    dealers: int = 0
    claims: int = 0
    seconds: float = 0.0
    period: str = ""
    note: str = ""

    @property
    def per_second(self) -> float:
        return self.notices / self.seconds if self.seconds else 0.0


@contextmanager
def scratch_copy(url: str):
    """A throwaway copy of the database at ``url``; yields the copy's URL."""
    source = sa.engine.make_url(url)
    if source.drivername == "postgresql":
        source = source.set(drivername="postgresql+psycopg")  # as portal/config.py reads it
    if source.get_backend_name() == "sqlite":
        path = source.database
        copy = f"{path}.scratch"
        with sqlite3.connect(path) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)
        try:
            yield source.set(database=copy).render_as_string(hide_password=False)
        finally:
            for suffix in ("", "-wal", "-shm"):
                _unlink(copy + suffix)
        return
    name = f"{source.database}_scratch"
    server = sa.create_engine(source.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{source.database}"'))
        yield source.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def _unlink(path: str) -> None:
    import os

    if os.path.exists(path):
        os.unlink(path)


def measure(app: Flask, issuer: str, batch_limit: int) -> tuple[list[NoticeTiming], BatchTiming]:
    """Issue a one-page and a ten-page notice and time them; then time a batch run."""
    with app.app_context():
        actor = db.session.scalars(sa.select(User).where(User.username == issuer)).one()
        counts = _eligible_counts()
        big = max(counts, key=counts.get) if counts else None
        small = _few_claims(counts, exclude=big)
        timings = [_notice(small, ONE_PAGE_CLAIMS, actor, "one-page notice"),
                   _notice(big, TEN_PAGE_CLAIMS, actor, "ten-page notice")]
        batch = _batch(actor, batch_limit)
        db.session.remove()
        db.engine.dispose()
    return timings, batch


def _eligible(*where):
    return sa.select(Claim).where(Claim.finance_stage == FinanceStage.APPROVED,
                                  Claim.notice_id.is_(None), Claim.finance_on.is_not(None),
                                  *where)


def _eligible_counts() -> dict[int, int]:
    subquery = _eligible().subquery()
    return dict(db.session.execute(
        sa.select(subquery.c.dealer_id, sa.func.count()).group_by(subquery.c.dealer_id)).all())


def _few_claims(counts: dict[int, int], exclude) -> int | None:
    """The dealer whose number of eligible claims is nearest a one-page notice's."""
    others = {d: n for d, n in counts.items() if d != exclude}
    return min(others, key=lambda d: (abs(others[d] - ONE_PAGE_CLAIMS), d)) if others else None


def _cut_off(dealer_id: int, wanted: int) -> date:
    """The audit day up to which the dealer has about ``wanted`` eligible claims: a notice
    takes every eligible claim audited by its period's end."""
    days = db.session.scalars(
        _eligible(Claim.dealer_id == dealer_id).with_only_columns(Claim.finance_on)
        .order_by(Claim.finance_on).limit(wanted)).all()
    return days[-1]


def _notice(dealer_id, wanted: int, actor, label: str) -> NoticeTiming:
    timing = NoticeTiming(label)
    if dealer_id is None:
        timing.note = "no dealer with cost-approved claims outside a notice"
        return timing
    period_end = _cut_off(dealer_id, wanted)
    started = time.perf_counter()
    notice = issue_notice(dealer_id, period_end.replace(day=1), period_end, actor=actor)
    db.session.commit()
    timing.cold_s = time.perf_counter() - started
    warm = []
    for _ in range(WARM_RENDERS):
        started = time.perf_counter()
        render_notice_pdf(notice)
        warm.append(time.perf_counter() - started)
    timing.warm_s = statistics.median(warm)
    pdf = notice.document.pdf
    timing.size, timing.pages = len(pdf), len(pypdfium2.PdfDocument(pdf))
    timing.claims = len(notice.claims)
    if timing.claims < wanted * 0.9:
        timing.note = f"the data set's largest candidate had only {timing.claims} claims"
    return timing


def _batch(actor, limit: int) -> BatchTiming:
    """Start a real notice run for the latest audit month and execute it, stopping it (the
    run's own cancel) after ``limit`` dealers."""
    timing = BatchTiming()
    latest = db.session.scalar(_eligible().with_only_columns(sa.func.max(Claim.finance_on)))
    if latest is None:
        timing.note = "no cost-approved claims outside a notice left"
        return timing
    first = latest.replace(day=1)
    timing.period = first.strftime("%Y-%m")
    run = runs.start_run(first, latest, actor=actor)
    db.session.commit()

    def stop_at_limit(run):
        if run.dealers_done >= limit:
            run.cancel_requested = True
            db.session.commit()

    started = time.perf_counter()
    run = runs.execute_run(run.id, progress=stop_at_limit)
    timing.seconds = time.perf_counter() - started
    timing.notices, timing.dealers = run.notices_made, run.dealers_done
    timing.claims = db.session.scalar(
        sa.select(sa.func.count()).select_from(NoticeClaim).join(WriteOffNotice)
        .where(WriteOffNotice.run_id == run.id))
    if run.error:
        timing.note = run.error.splitlines()[0]
    return timing
