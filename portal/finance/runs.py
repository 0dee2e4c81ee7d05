"""Generating a period's write-off notices for all dealers, as one run with its progress.

A run works dealer by dealer, each dealer in its own transaction: a crash loses at most the
dealer in hand, never leaves half a notice, and running the period again is safe because
claims and case settlements already in a notice are no longer eligible. Progress,
cancellation and the heartbeat live in the database, so any web worker or host shows a run
that a queue consumer is executing (``portal.finance.tasks``), and a run whose consumer died
is taken over by another (``take_interrupted``) and finished.
"""

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from datetime import date, datetime, timedelta
from uuid import uuid4

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from portal.accounts.models import User
from portal.claims.models import Claim, FinanceStage
from portal.core import audit
from portal.core.db import begin_writing, utcnow
from portal.core.errors import DomainError
from portal.core.pdf import PdfPool
from portal.dealers.models import Dealer
from portal.extensions import db
from portal.finance import documents
from portal.finance.models import NoticeRun, RunStatus, WriteOffNotice
from portal.finance.notices import dealers_with_settlements, issue_notice

RUN_LOCK = 0x6E6F7469  # the advisory lock taken while a run is being started


def stale_after() -> timedelta:
    """A running run that has not beaten for this long died with its consumer."""
    return timedelta(seconds=current_app.config["NOTICE_RUN_STALE_SECONDS"])


def is_interrupted(run: NoticeRun, now=None) -> bool:
    """Still marked running, but its heartbeat stopped: the process executing it is gone."""
    return run.status == RunStatus.RUNNING and (now or utcnow()) - run.heartbeat_at > stale_after()


def take_interrupted(now: datetime) -> list[int]:
    """The interrupted runs this process takes over, committed: one guarded update beats
    their heartbeat, so of several consumers looking at once only one takes each run. (Asked
    every minute: it writes only when there is a run to take.)"""
    interrupted = sa.and_(NoticeRun.status == RunStatus.RUNNING,
                          NoticeRun.heartbeat_at < now - stale_after())
    found = db.session.scalar(sa.select(sa.exists().where(interrupted)))
    db.session.commit()  # ends the read: a write below begins as a writer
    if not found:
        return []
    begin_writing(db.session())
    taken = db.session.scalars(sa.update(NoticeRun).where(interrupted)
                               .values(heartbeat_at=now, executor=None)
                               .returning(NoticeRun.id)).all()
    db.session.commit()
    return list(taken)


def _become_executor(run_id: int, executor: str, now: datetime) -> bool:
    """Make ``executor`` the one executing the run, committed: only while nobody is, or the one
    who was has stopped beating. A run queued twice (taken over while still waiting in the
    queue) is executed once; the other execution finds it taken and stops."""
    begin_writing(db.session())
    taken = db.session.execute(
        sa.update(NoticeRun).where(NoticeRun.id == run_id, NoticeRun.status == RunStatus.RUNNING,
                                   sa.or_(NoticeRun.executor.is_(None),
                                          NoticeRun.heartbeat_at < now - stale_after()))
        .values(executor=executor, heartbeat_at=now)).rowcount
    db.session.commit()
    return taken == 1


def is_active(run: NoticeRun) -> bool:
    return run.status == RunStatus.RUNNING and not is_interrupted(run)


def dealers_to_notify(period_end: date) -> list[int]:
    """Ids of the dealers with eligible claims or case settlements up to ``period_end``, by
    dealer code."""
    return list(db.session.scalars(
        sa.select(Dealer.id).where(sa.or_(Dealer.id.in_(
            sa.select(Claim.dealer_id).where(
                Claim.finance_stage == FinanceStage.APPROVED, Claim.notice_id.is_(None),
                Claim.finance_on <= period_end)),
            Dealer.id.in_(dealers_with_settlements(period_end))))
        .order_by(Dealer.code)))


def start_run(period_start: date, period_end: date, *, actor) -> NoticeRun:
    """Record a new run for the period (the caller commits, then executes it).

    Refused while another run over an overlapping period is running and alive; one that was
    interrupted is closed as failed, so its period can be generated again.
    """
    if period_start > period_end:
        raise DomainError(_("The period must not end before it starts."), "period")
    _serialise_starts()
    for other in _overlapping_running(period_start, period_end):
        if is_active(other):
            raise DomainError(_("Notices for an overlapping period are being generated right "
                                "now (run %(id)d). Wait for it to finish or cancel it.",
                                id=other.id), "period")
        _finish(other, RunStatus.FAILED, error=_("Interrupted: the process running it stopped."))
    run = NoticeRun(period_start=period_start, period_end=period_end,
                    status=RunStatus.RUNNING, started_by_id=actor.id, heartbeat_at=utcnow(),
                    dealers_total=len(dealers_to_notify(period_end)))
    db.session.add(run)
    audit.record("start_run", run, actor=actor, to_state=RunStatus.RUNNING,
                 reason=f"{period_start} – {period_end}")
    return run


def _serialise_starts() -> None:
    """Two people pressing start at once: the second waits for the first's commit and then
    sees its run. (SQLite has a single writer anyway.)"""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": RUN_LOCK})


def _overlapping_running(period_start: date, period_end: date) -> list[NoticeRun]:
    return list(db.session.scalars(
        sa.select(NoticeRun).where(NoticeRun.status == RunStatus.RUNNING,
                                   NoticeRun.period_start <= period_end,
                                   NoticeRun.period_end >= period_start)))


def cancel_run(run: NoticeRun, actor) -> NoticeRun:
    """Ask a running run to stop after the dealer in hand; an interrupted one stops now."""
    if run.status != RunStatus.RUNNING:
        raise DomainError(_("This run has already finished."))
    if is_interrupted(run):
        _finish(run, RunStatus.CANCELLED)
    else:
        run.cancel_requested = True
    audit.record("cancel_run", run, actor=actor, from_state=RunStatus.RUNNING,
                 to_state=RunStatus.CANCELLED)
    return run


def _finish(run: NoticeRun, status: RunStatus, *, error: str = "") -> None:
    run.status, run.finished_at, run.heartbeat_at = status, utcnow(), utcnow()
    if error:
        run.error = "\n".join(filter(None, [run.error, error]))


# -- executing a run ------------------------------------------------------------------------------

Checkpoint = Callable[[int, WriteOffNotice | None], None]


def execute_run(run_id: int, *, checkpoint: Checkpoint | None = None,
                progress: Callable[[NoticeRun], None] | None = None) -> NoticeRun:
    """Make the run's notices dealer by dealer, committing after each dealer.

    ``checkpoint(dealer_id, notice)`` is called inside each dealer's transaction, before its
    commit; ``progress(run)`` after it. A business refusal for one dealer (its claims taken by
    someone else meanwhile) is recorded and the run goes on; any other error rolls that dealer
    back, marks the run failed and is raised again.

    Each notice's number is taken and its claims put in it in the dealer's transaction; its
    PDF, made from the HTML rendered in that transaction, is rendered on the other cores
    (``NOTICE_RUN_PROCESSES``) while the next dealers are issued, and stored as soon as it is
    ready. The numbering lock is never held while a PDF renders, so issuers do not queue
    behind rendering. A PDF the run could not store is rendered when it is first read.
    """
    executor = uuid4().hex
    if not _become_executor(run_id, executor, utcnow()):
        # finished, closed as interrupted, or executed by another: queued twice, or too late
        return db.session.get(NoticeRun, run_id)
    run = db.session.get(NoticeRun, run_id)
    actor = db.session.get(User, run.started_by_id)
    dealer_ids = dealers_to_notify(run.period_end)  # resumed: the dealers still to do
    run.dealers_total, run.heartbeat_at = run.dealers_done + len(dealer_ids), utcnow()
    db.session.commit()
    processes = current_app.config["NOTICE_RUN_PROCESSES"]
    with PdfPool(processes) as pool:
        rendering: deque[tuple[int, Future]] = deque()
        try:
            for dealer_id in dealer_ids:
                db.session.refresh(run)
                if run.status != RunStatus.RUNNING or run.executor != executor:
                    return run  # closed, or taken over by another consumer
                if run.cancel_requested:
                    _finish(run, RunStatus.CANCELLED)
                    db.session.commit()
                    return run
                made = _one_dealer(run, dealer_id, actor, checkpoint)
                if made:
                    rendering.append((made[0], pool.submit(made[1])))
                # Store what is ready; keep at most two PDFs per process waiting, so the
                # progress shown stays close to the PDFs made.
                while rendering and (rendering[0][1].done()
                                     or len(rendering) > 2 * max(processes, 1)):
                    _store_pdf(*rendering.popleft())
                if progress:
                    progress(run)
            while rendering:  # done only once every PDF is stored
                _store_pdf(*rendering.popleft())
            _finish(run, RunStatus.DONE)
            db.session.commit()
            return run
        finally:  # stopped early (cancelled, closed, failed): keep the PDFs already under way
            while rendering:
                _store_pdf(*rendering.popleft())


def _store_pdf(notice_id: int, future: Future) -> None:
    """Keep a notice's PDF once rendered. Whatever fails here (the rendering, or the dealer
    confirmed the notice in that second) leaves the notice as committed: its PDF is rendered
    when it is first read (``documents.notice_pdf``), and the run goes on."""
    try:
        documents.store_pdf(notice_id, future.result())
        db.session.commit()
    except Exception:  # noqa: BLE001
        db.session.rollback()
        current_app.logger.exception("notice %s: PDF not stored by the run", notice_id)


def _one_dealer(run: NoticeRun, dealer_id: int, actor, checkpoint) -> tuple[int, str] | None:
    """Issue the dealer's notice and commit; (its id, the HTML of its PDF) when one was made."""
    begin_writing(db.session())  # before reading the run: a web request may write meanwhile
    made = None
    try:
        notice = issue_notice(dealer_id, run.period_start, run.period_end, actor=actor,
                              run_id=run.id, with_pdf=False)
        if notice:
            made = (notice.id, documents.notice_html(notice))
        if checkpoint:
            checkpoint(dealer_id, notice)
        run.notices_made += 1 if notice else 0
    except DomainError as error:
        db.session.rollback()
        made = None
        dealer = db.session.get(Dealer, dealer_id)
        run.error = "\n".join(filter(None, [run.error, f"{dealer.code}: {error.message}"]))
    except BaseException as error:
        db.session.rollback()
        _finish(run, RunStatus.FAILED, error=f"{type(error).__name__}: {error}")
        db.session.commit()
        raise
    run.dealers_done += 1
    run.heartbeat_at = utcnow()
    db.session.commit()
    return made
