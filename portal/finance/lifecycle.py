"""What happens to a write-off notice after it is issued.

issued → confirmed (by the dealer: its offset is posted to the receivable, its claims and case
settlements written off) · issued → disputed (by the dealer, with a reason) · issued / disputed
→ voided (by finance, with a reason: its claims and case settlements are released) · voided
→ a new notice that replaces it. A confirmed notice never changes again (see immutability.py).
Each transition is one transaction and one audit entry; the notice's version guards against two
people at once.
"""

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.claims.models import Claim, FinanceStage
from portal.core import audit
from portal.core.db import SHANGHAI, utcnow
from portal.core.errors import DomainError
from portal.core.versioning import LATEST, check_version
from portal.extensions import db
from portal.finance import immutability  # noqa: F401  (the guard must be listening)
from portal.finance.access import can_answer_notices_of, can_manage_notices
from portal.finance.models import (
    CaseSettlement,
    LedgerEntry,
    LedgerKind,
    NoticeStatus,
    SettlementStatus,
    WriteOffNotice,
)
from portal.finance.notice_scope import replacement_of

REASON_MAX = 1000
MEMO_MAX = LedgerEntry.memo.type.length


class WrongState(DomainError):
    """The notice is not in a state that allows this (the API answers 409)."""

    conflict = True


def _require_dealer_of(notice: WriteOffNotice, actor) -> None:
    if not can_answer_notices_of(notice.dealer_id, actor):
        raise DomainError(_("Only the dealer's own staff can confirm or dispute its notices."))


def _require_finance(actor) -> None:
    if not can_manage_notices(actor):
        raise DomainError(_("Only finance can void or reissue a notice."))


def _require_status(notice: WriteOffNotice, *allowed: NoticeStatus) -> None:
    if notice.status == NoticeStatus.CONFIRMED:
        raise WrongState(_("Notice %(number)s is confirmed; it can no longer change.",
                           number=notice.number))
    if notice.status not in allowed:
        raise WrongState(_("Notice %(number)s is %(status)s.", number=notice.number,
                           status=notice.status.title))


def _reason(reason: str | None, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(message, field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(_("At most %(n)d characters.", n=REASON_MAX), field="reason")
    return reason


def claims_of(notice: WriteOffNotice) -> list[Claim]:
    """The claims the notice holds now (a void releases them)."""
    return db.session.scalars(sa.select(Claim).where(Claim.notice_id == notice.id)
                              .order_by(Claim.id)).all()


def settlements_of(notice_id: int) -> list[CaseSettlement]:
    """The case settlements a notice holds now (a void releases them)."""
    return db.session.scalars(sa.select(CaseSettlement).where(
        CaseSettlement.notice_id == notice_id).order_by(CaseSettlement.case_id)).all()


def _check_claims_unchanged(notice: WriteOffNotice, claims: list[Claim]) -> None:
    """What the dealer confirms must still be exactly the claims the notice lists."""
    listed = {row.claim_id for row in notice.claims}
    if {c.id for c in claims} != listed or any(
            c.finance_stage != FinanceStage.APPROVED for c in claims):
        raise DomainError(_("The claims of notice %(number)s have changed since it was issued; "
                            "finance must void and reissue it.", number=notice.number))


def _check_settlements_unchanged(notice: WriteOffNotice,
                                 settlements: list[CaseSettlement]) -> None:
    """What the dealer confirms must still be exactly the case settlements the notice lists."""
    listed = {row.case_id for row in notice.cases}
    if {s.case_id for s in settlements} != listed or any(
            s.status != SettlementStatus.APPROVED for s in settlements):
        raise DomainError(_("The case settlements of notice %(number)s have changed since it "
                            "was issued; finance must void and reissue it.",
                            number=notice.number))


def _offset_memo(notice: WriteOffNotice) -> str:
    """The notice, and the cases it settles by number: the ledger names them (the statement
    lists each one). The same whoever confirmed, in whatever language."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        memo = _("Warranty cost write-off notice %(number)s", number=notice.number)
        if notice.cases:
            memo += _("; exchange and refund cases %(numbers)s",
                      numbers=", ".join(row.case.number for row in notice.cases))
    return memo if len(memo) <= MEMO_MAX else memo[:MEMO_MAX - 1] + "…"


def confirm_notice(notice: WriteOffNotice, *, actor, now: datetime | None = None,
                   version=LATEST) -> LedgerEntry:
    """The dealer agrees: offset the total against its receivable and write the claims off."""
    _require_dealer_of(notice, actor)
    _require_status(notice, NoticeStatus.ISSUED)
    check_version(notice, version)
    claims, settlements = claims_of(notice), settlements_of(notice.id)
    _check_claims_unchanged(notice, claims)
    _check_settlements_unchanged(notice, settlements)
    if db.session.scalar(sa.select(LedgerEntry.id).where(LedgerEntry.notice_id == notice.id)):
        raise DomainError(_("The offset of notice %(number)s is already posted.",
                            number=notice.number))
    now = now or utcnow()
    entry = LedgerEntry(dealer_id=notice.dealer_id, kind=LedgerKind.OFFSET,
                        entry_date=now.astimezone(SHANGHAI).date(), reference=notice.number,
                        memo=_offset_memo(notice), amount=-notice.total, notice_id=notice.id,
                        source="notice", created_by_id=actor.id)
    db.session.add(entry)
    for claim in claims:
        claim.finance_stage = FinanceStage.WRITTEN_OFF
    audit.record_many("write_off", [
        (claim, {"finance_stage": (FinanceStage.APPROVED, FinanceStage.WRITTEN_OFF),
                 "notice": (None, notice.number)}) for claim in claims], actor=actor)
    _write_off_settlements(notice, settlements, actor)
    notice.status = NoticeStatus.CONFIRMED
    notice.confirmed_by_id, notice.confirmed_at = actor.id, now
    audit.record("confirm", notice, actor=actor, from_state=NoticeStatus.ISSUED,
                 to_state=NoticeStatus.CONFIRMED, changes={"offset": (None, entry.amount)})
    return entry


def _write_off_settlements(notice, settlements: list[CaseSettlement], actor) -> None:
    for settlement in settlements:
        settlement.status = SettlementStatus.WRITTEN_OFF
    audit.record_many("write_off", [
        (s.case, {"settlement": (SettlementStatus.APPROVED, SettlementStatus.WRITTEN_OFF),
                  "notice": (None, notice.number)}) for s in settlements], actor=actor)


def dispute_notice(notice: WriteOffNotice, reason: str, *, actor, now: datetime | None = None,
                   version=LATEST) -> None:
    """The dealer does not agree: the notice goes back to finance with the dealer's reason."""
    _require_dealer_of(notice, actor)
    _require_status(notice, NoticeStatus.ISSUED)
    check_version(notice, version)
    reason = _reason(reason, _("Tell finance what is wrong with the notice."))
    notice.status = NoticeStatus.DISPUTED
    notice.disputed_by_id, notice.disputed_at = actor.id, now or utcnow()
    notice.dispute_reason = reason
    audit.record("dispute", notice, actor=actor, from_state=NoticeStatus.ISSUED,
                 to_state=NoticeStatus.DISPUTED, reason=reason)


def void_notice(notice: WriteOffNotice, reason: str, *, actor, now: datetime | None = None,
                version=LATEST) -> list[Claim]:
    """Finance withdraws the notice: its claims and case settlements are free for a new notice
    (history stays)."""
    _require_finance(actor)
    _require_status(notice, NoticeStatus.ISSUED, NoticeStatus.DISPUTED)
    check_version(notice, version)
    reason = _reason(reason, _("Say why the notice is voided."))
    claims, settlements = claims_of(notice), settlements_of(notice.id)
    for record in (*claims, *settlements):
        record.notice_id = None
    audit.record_many("release", [(record, {"notice": (notice.number, None)})
                                  for record in (*claims, *(s.case for s in settlements))],
                      actor=actor)
    before = notice.status
    notice.status = NoticeStatus.VOIDED
    notice.voided_by_id, notice.voided_at = actor.id, now or utcnow()
    notice.void_reason = reason
    audit.record("void", notice, actor=actor, from_state=before, to_state=NoticeStatus.VOIDED,
                 reason=reason)
    return claims


def reissue_notice(notice: WriteOffNotice, *, actor,
                   now: datetime | None = None) -> WriteOffNotice:
    """Issue a new notice for the voided one's dealer and period, naming what it replaces."""
    from portal.finance.notices import issue_notice

    _require_finance(actor)
    _require_status(notice, NoticeStatus.VOIDED)
    if (newer := replacement_of(notice)) is not None:
        raise DomainError(_("Notice %(number)s has already been reissued as %(new)s.",
                            number=notice.number, new=newer.number))
    new = issue_notice(notice.dealer_id, notice.period_start, notice.period_end, actor=actor,
                       replaces_id=notice.id, now=now)
    if new is None:
        raise DomainError(_("No claim or case settlement of this dealer and period is waiting "
                            "for a notice any more; nothing to reissue."))
    audit.record("reissue", notice, actor=actor, from_state=NoticeStatus.VOIDED,
                 to_state=NoticeStatus.VOIDED, changes={"replaced_by": (None, new.number)})
    return new


def void_and_reissue(notice: WriteOffNotice, reason: str, *, actor,
                     version=LATEST) -> WriteOffNotice:
    """Void and reissue in one step, when nothing about the claims needs to change first."""
    void_notice(notice, reason, actor=actor, version=version)
    return reissue_notice(notice, actor=actor)
