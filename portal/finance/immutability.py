"""A confirmed write-off notice can no longer change: guarded at the ORM, whatever the caller.

The portal's one flush hook (``tests/test_side_effects.py`` keeps it so), and it writes
nothing: before every flush it refuses any change to what a confirmed notice stands on — the
notice, the claim and case rows and the PDF it holds, the offset it posted, the finance facts of
the claims it wrote off (their notice, stage, audited total and day) and the case settlements
it wrote off (their notice, status and figures), except writing them off, which confirming does.
"""

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.claims.models import Claim, FinanceStage
from portal.core.errors import DomainError
from portal.finance.models import (
    CaseSettlement,
    LedgerEntry,
    NoticeCase,
    NoticeClaim,
    NoticeDocument,
    NoticeStatus,
    SettlementStatus,
    WriteOffNotice,
)

CLAIM_FIELDS = ("notice_id", "finance_stage", "total_finance", "finance_on")
# The finance facts of a record a notice writes off, and the one change confirming makes.
FACTS = {Claim: (CLAIM_FIELDS, "finance_stage", FinanceStage.WRITTEN_OFF),
         CaseSettlement: (("notice_id", "status", "amount", "lines", "settled_on"), "status",
                          SettlementStatus.WRITTEN_OFF)}
# Rows whose notice is read from the database: an expired attribute set anew has no "old
# value" in memory, and the database is what was confirmed.
STORED = {WriteOffNotice: WriteOffNotice.id, LedgerEntry: LedgerEntry.notice_id,
          Claim: Claim.notice_id, CaseSettlement: CaseSettlement.notice_id}
# The notice is part of their key: known, also when new.
HELD = (NoticeClaim, NoticeCase, NoticeDocument)


class NoticeLocked(DomainError):
    def __init__(self):
        super().__init__(_("A confirmed write-off notice can no longer change: neither the "
                           "notice, nor its claims, its document or its offset."))


def _touched(session: Session, obj) -> bool:
    """Added, deleted or changed; for a claim or a case settlement, a finance fact changed
    other than its being written off (which confirming does)."""
    if obj in session.new or obj in session.deleted:
        return True
    if type(obj) not in FACTS:
        return session.is_modified(obj)
    fields, stage, written_off = FACTS[type(obj)]
    changed = [name for name in fields if sa.inspect(obj).attrs[name].history.has_changes()]
    return bool(changed) and not (changed == [stage] and getattr(obj, stage) == written_off)


def _held_notice_id(obj) -> int | None:
    notice = obj.__dict__.get("notice")  # set by relationship before the flush fills the key
    return obj.notice_id if obj.notice_id is not None else getattr(notice, "id", None)


def _notice_ids(session: Session, rows: list) -> set[int]:
    """The notices the touched ``rows`` belong to."""
    ids = {_held_notice_id(o) for o in rows if isinstance(o, HELD)}
    for cls, column in STORED.items():
        key = sa.inspect(cls).primary_key[0]
        if row_ids := {sa.inspect(o).identity[0] for o in rows if type(o) is cls}:
            ids.update(session.scalars(sa.select(column).where(key.in_(row_ids))))
    ids.discard(None)
    return ids


@event.listens_for(Session, "before_flush")
def _guard_confirmed_notices(session: Session, flush_context, instances) -> None:
    """Refuse the flush when it would change anything a confirmed notice stands on."""
    rows = [o for o in (*session.new, *session.dirty, *session.deleted)
            if isinstance(o, HELD) or (type(o) in STORED and o not in session.new)]
    if not rows:
        return
    with session.no_autoflush:
        ids = _notice_ids(session, [o for o in rows if _touched(session, o)])
        if ids and session.scalar(sa.select(sa.exists().where(
                WriteOffNotice.id.in_(ids), WriteOffNotice.status == NoticeStatus.CONFIRMED))):
            raise NoticeLocked()
