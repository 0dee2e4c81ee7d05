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


def _modified(session: Session, obj) -> bool:
    return obj in session.deleted or obj in session.new or session.is_modified(obj)


def _claim_touched(session: Session, claim: Claim) -> bool:
    """Deleted, or a finance fact changed other than being written off."""
    if claim in session.deleted:
        return True
    changed = [name for name in CLAIM_FIELDS
               if sa.inspect(claim).attrs[name].history.has_changes()]
    if changed == ["finance_stage"] and claim.finance_stage == FinanceStage.WRITTEN_OFF:
        return False  # confirming writes the claims off
    return bool(changed)


def _notice_id_of(obj) -> int | None:
    if obj.notice_id is not None:
        return obj.notice_id
    notice = obj.__dict__.get("notice")
    return notice.id if notice is not None else None


def _stored(session: Session, column, ids: set) -> set:
    """The notice ids the database holds in ``column`` for these rows (before this flush)."""
    if not ids:
        return set()
    table = column.class_
    return set(session.scalars(sa.select(column).where(table.id.in_(ids))))


def _confirmed(session: Session, ids: set) -> set:
    ids.discard(None)
    if not ids:
        return set()
    return set(session.scalars(sa.select(WriteOffNotice.id).where(
        WriteOffNotice.id.in_(ids), WriteOffNotice.status == NoticeStatus.CONFIRMED)))


@event.listens_for(Session, "before_flush")
def _guard_confirmed_notices(session: Session, flush_context, instances) -> None:
    """Refuse the flush when it would change anything a confirmed notice stands on.

    The notice ids come from the database, not the objects: an expired attribute set anew
    has no "old value" in memory, and the database is what was confirmed.
    """
    old = [*session.dirty, *session.deleted]
    notices = [o for o in old if isinstance(o, WriteOffNotice) and _modified(session, o)]
    held = [o for o in [*session.new, *old] if isinstance(o, NoticeClaim | NoticeDocument)
            and _modified(session, o)]
    offsets = [o for o in old if isinstance(o, LedgerEntry) and _modified(session, o)]
    claims = [o for o in old if isinstance(o, Claim)]
    if not (notices or held or offsets or claims):
        return
    with session.no_autoflush:
        claims = [c for c in claims if _claim_touched(session, c)]
        if not (notices or held or offsets or claims):
            return
        held_ids = {_notice_id_of(o) for o in held}
        offset_ids = _stored(session, LedgerEntry.notice_id, {o.id for o in offsets})
        claim_ids = _stored(session, Claim.notice_id, {c.id for c in claims})
        if _confirmed(session, {n.id for n in notices} | held_ids | offset_ids | claim_ids):
            raise NoticeLocked()
