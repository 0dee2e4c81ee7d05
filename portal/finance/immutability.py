"""A confirmed write-off notice can no longer change: guarded at the ORM, whatever the caller.

Before every flush, refuse any change to a confirmed notice, to the claim rows and the PDF it
holds, to the offset it posted, and to the finance facts of the claims it wrote off (their
notice, stage, audited total and day) — except writing them off, which confirming does.
"""

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.claims.models import Claim, FinanceStage
from portal.core.errors import DomainError
from portal.finance.models import (
    LedgerEntry,
    NoticeClaim,
    NoticeDocument,
    NoticeStatus,
    WriteOffNotice,
)

CLAIM_FIELDS = ("notice_id", "finance_stage", "total_finance", "finance_on")


class NoticeLocked(DomainError):
    def __init__(self):
        super().__init__(_("A confirmed write-off notice can no longer change: neither the "
                           "notice, nor its claims, its document or its offset."))


def _old(obj, name: str):
    """The attribute's value as the database has it (before this flush's change)."""
    history = sa.inspect(obj).attrs[name].history
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    return None if history.added else getattr(obj, name)


def _changed(obj, name: str) -> bool:
    return sa.inspect(obj).attrs[name].history.has_changes()


def _notice_id_of(obj) -> int | None:
    if obj.notice_id is not None:
        return obj.notice_id
    notice = obj.__dict__.get("notice")
    return notice.id if notice is not None else None


def _confirmed(session: Session, ids: set) -> set:
    ids.discard(None)
    if not ids:
        return set()
    return set(session.scalars(sa.select(WriteOffNotice.id).where(
        WriteOffNotice.id.in_(ids), WriteOffNotice.status == NoticeStatus.CONFIRMED)))


def _claim_change_refused(claim: Claim) -> bool:
    changed = [name for name in CLAIM_FIELDS if _changed(claim, name)]
    if changed == ["finance_stage"] and claim.finance_stage == FinanceStage.WRITTEN_OFF:
        return False  # confirming writes the claims off
    return bool(changed)


@event.listens_for(Session, "before_flush")
def _guard_confirmed_notices(session: Session, flush_context, instances) -> None:
    touched = [*session.new, *session.dirty, *session.deleted]
    if not any(isinstance(obj, WriteOffNotice | NoticeClaim | NoticeDocument | Claim
                          | LedgerEntry) for obj in touched):
        return
    with session.no_autoflush:
        for obj in [*session.dirty, *session.deleted]:
            if (isinstance(obj, WriteOffNotice) and _old(obj, "status") == NoticeStatus.CONFIRMED
                    and (obj in session.deleted or session.is_modified(obj))):
                raise NoticeLocked()
        held = [obj for obj in touched if isinstance(obj, NoticeClaim | NoticeDocument)]
        offsets = [obj for obj in [*session.dirty, *session.deleted]
                   if isinstance(obj, LedgerEntry) and _old(obj, "notice_id") is not None
                   and (obj in session.deleted or session.is_modified(obj))]
        claims = [obj for obj in [*session.dirty, *session.deleted] if isinstance(obj, Claim)]
        confirmed = _confirmed(session, {_notice_id_of(o) for o in held}
                               | {_old(o, "notice_id") for o in offsets}
                               | {_old(c, "notice_id") for c in claims})
        if not confirmed:
            return
        if any(_notice_id_of(o) in confirmed for o in held):
            raise NoticeLocked()
        if any(_old(o, "notice_id") in confirmed for o in offsets):
            raise NoticeLocked()
        for claim in claims:
            if _old(claim, "notice_id") in confirmed and (
                    claim in session.deleted or _claim_change_refused(claim)):
                raise NoticeLocked()
