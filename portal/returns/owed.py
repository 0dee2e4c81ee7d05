"""Owed old parts: created when a claim is submitted, due on the next yearly return date; the
hold on a dealer's new claims; what blocks a line's write-off; the waiver; the verdict.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.catalog.models import Part, PolicySettings
from portal.claims.models import DECIDED, Claim, ClaimStatus, Decision, LineKind, RejectCode
from portal.core import audit
from portal.core.db import money, utcnow
from portal.core.errors import DomainError
from portal.core.versioning import LATEST, check_version
from portal.extensions import db
from portal.returns.access import can_judge_parts, return_waivable
from portal.returns.models import (
    STILL_OWED,
    Destination,
    OwedPart,
    OwedStatus,
    Receipt,
    ReturnShipment,
    ShipmentLine,
    StoreItem,
    Verdict,
)
from portal.service import visit_tallies

# What each verdict other than a quality fault does to the claim line.
VERDICT_REJECTS = {
    Verdict.MISUSE: RejectCode.MISUSE,
    Verdict.NOT_WARRANTY_PART: RejectCode.NOT_WARRANTY_PART,
    Verdict.WRONG_PART: RejectCode.OTHER,
    Verdict.NO_DEFECT: RejectCode.NO_DEFECT,
    Verdict.NOT_RECEIVED: RejectCode.OTHER,
}


def _day(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, monthrange(year, month)[1]))


def return_dates(year: int, policy: PolicySettings) -> list[date]:
    """The two return dates of a year, in order (a 29 February falls back to the 28th)."""
    return sorted([_day(year, policy.return_date_1_month, policy.return_date_1_day),
                   _day(year, policy.return_date_2_month, policy.return_date_2_day)])


def due_date(completed_on: date, policy: PolicySettings | None = None) -> date:
    """The first yearly return date strictly after the repair's completion."""
    policy = policy or PolicySettings.current()
    for year in (completed_on.year, completed_on.year + 1):
        for day in return_dates(year, policy):
            if day > completed_on:
                return day
    raise AssertionError("two return dates a year always leave one ahead")


def owed_by(claim: Claim) -> int | None:
    """The dealer that sends the claim's old parts back; None when head office repaired the
    unit itself, whose technician or rep hands them in to the sales company."""
    return None if claim.filed_by_head_office else claim.dealer_id


def open_owed_parts(claim: Claim) -> list[OwedPart]:
    """On submission: every claimed line of a return-required part is owed (again)."""
    policy = PolicySettings.current()
    due = due_date(claim.completed_on or claim.failure_date, policy)
    existing = {o.claim_line_id: o for o in db.session.scalars(
        sa.select(OwedPart).where(OwedPart.claim_id == claim.id))}
    opened = []
    for line in claim.lines:
        if line.kind != LineKind.PART or line.paid_service or not line.part.return_required:
            continue
        owed = existing.get(line.id)
        if owed is None:
            owed = OwedPart(claim_id=claim.id, line=line, dealer_id=owed_by(claim),
                            part_id=line.part_id, unit_id=claim.unit_id,
                            quantity=line.quantity or 1, due_on=due)
            db.session.add(owed)
            opened.append(owed)
        elif owed.status == OwedStatus.CANCELLED:
            owed.status, owed.due_on = OwedStatus.OWED, due
            opened.append(owed)
    for line_id, owed in existing.items():  # a line that is now paid service owes nothing
        if owed.status == OwedStatus.OWED and not any(
                line.id == line_id and not line.paid_service for line in claim.lines):
            owed.status = OwedStatus.CANCELLED
    return opened


def cancel_owed_parts(claim: Claim) -> None:
    """The claim went back to draft: parts not yet shipped are no longer owed."""
    for owed in db.session.scalars(sa.select(OwedPart).where(
            OwedPart.claim_id == claim.id, OwedPart.status == OwedStatus.OWED)):
        owed.status = OwedStatus.CANCELLED


def forget_line(line) -> None:
    """A draft line is removed: drop its cancelled owed part; a shipped part stays owed."""
    owed = db.session.scalar(sa.select(OwedPart).where(OwedPart.claim_line_id == line.id))
    if owed is None:
        return
    if owed.status != OwedStatus.CANCELLED or owed.shipment_lines:
        raise DomainError(_("This part has already been shipped back; its line stays."))
    db.session.delete(owed)


# ---------------------------------------------------------------- enforcement


def overdue_owed(dealer_id: int, today: date, grace_days: int = 0):
    """A SELECT of the dealer's parts not returned more than ``grace_days`` after their due date:
    still owed, or "shipped" in a shipment that left more than ``grace_days`` ago and has still
    not arrived (a shipment recorded but never sent must not lift the hold)."""
    cutoff = today - timedelta(days=grace_days)
    lost_in_transit = sa.and_(OwedPart.status == OwedStatus.SHIPPED, sa.exists().where(
        ShipmentLine.owed_part_id == OwedPart.id, ShipmentLine.receipt == Receipt.PENDING,
        ShipmentLine.shipment_id == ReturnShipment.id, ReturnShipment.shipped_on < cutoff))
    return sa.select(OwedPart).where(
        OwedPart.dealer_id == dealer_id, sa.or_(OwedPart.status.in_(STILL_OWED), lost_in_transit),
        OwedPart.due_on < cutoff).order_by(OwedPart.due_on, OwedPart.id)


def hold_reason(dealer_id: int, today: date) -> str | None:
    """Why the dealer's new claims are held, if they are: parts overdue beyond the grace."""
    days = PolicySettings.current().hold_overdue_days
    overdue = overdue_owed(dealer_id, today, days)
    # How many (up to 50: "50+") and the oldest's names, not fifty whole parts with their
    # claims; in one statement, which finds no row when nothing is overdue.
    count = sa.select(sa.func.count()).select_from(
        overdue.with_only_columns(OwedPart.id).order_by(None).limit(50).subquery())
    oldest = overdue.with_only_columns(  # subqueries: the plan stays the dealer's parts by
        sa.select(Part.part_number).where(Part.id == OwedPart.part_id).scalar_subquery()
        .label("part_number"),  # due date, named once the first is found
        sa.select(Claim.number).where(Claim.id == OwedPart.claim_id).scalar_subquery()
        .label("number"), OwedPart.due_on).limit(1).subquery()
    found = db.session.execute(sa.select(count.scalar_subquery().label("n"), oldest)).first()
    if found is None:
        return None
    return _("New claims are held: %(n)s old part(s) are more than %(days)d days past their "
             "return date (the oldest, %(part)s of %(claim)s, was due on %(due)s). Ship them "
             "back, or ask the technical department to waive the return.",
             n=f"{found.n}+" if found.n == 50 else found.n, days=days,
             part=found.part_number, claim=found.number, due=found.due_on.isoformat())


@dataclass(frozen=True)
class LineReturn:
    """Where a claim line's old part stands, and whether that blocks writing it off; ``awaited``
    (a part simply not yet due) is information for the claim page, not an error."""

    owed: OwedPart
    blocked: str | None
    awaited: str | None = None


def line_returns(claim: Claim, today: date) -> dict[int, LineReturn]:
    """Per claim line id: its owed part and what (if anything) blocks its write-off."""
    owed = db.session.scalars(
        sa.select(OwedPart).where(OwedPart.claim_id == claim.id)
        .options(selectinload(OwedPart.shipment_lines).selectinload(ShipmentLine.shipment),
                 selectinload(OwedPart.cause_code), selectinload(OwedPart.waived_by))).all()
    return {o.claim_line_id: LineReturn(o, write_off_block(o, today), return_awaited(o, today))
            for o in owed if o.status != OwedStatus.CANCELLED}


def is_awaited(owed: OwedPart, today: date) -> bool:
    """Not back yet and its return date not passed (nor marked missing from a shipment): the
    dealer still has time, so nothing is wrong yet."""
    return (owed.status in (OwedStatus.OWED, OwedStatus.SHIPPED) and owed.returned_on is None
            and today <= owed.due_on)


def return_awaited(owed: OwedPart, today: date) -> str | None:
    """The calm word for a part whose return is simply under way (the claim page and the part's
    page show it as information, not as an error): not yet due back, what to do and by when; back
    in time and on a truck not yet received; received in time and waiting for its verdict. Late,
    missing or judged parts get no calm word: ``write_off_block`` says what is wrong."""
    if is_awaited(owed, today):
        return _("Old part to be returned: send it back by %(due)s.", due=owed.due_on.isoformat())
    back_in_time = (owed.status in (OwedStatus.SHIPPED, OwedStatus.RECEIVED)
                    and owed.returned_on is not None
                    and (not owed.days_late or owed.waived_at is not None))
    if not back_in_time:
        return None
    if owed.received_on is None:
        return _("The old part left on the returning delivery truck on %(day)s, in time; it can "
                 "be written off once head office has received and judged it.",
                 day=owed.returned_on.isoformat())
    if owed.verdict is None:
        return _("The old part arrived on %(day)s; it can be written off once the technical "
                 "department has given its verdict.", day=owed.received_on.isoformat())
    return None


def write_off_block(owed: OwedPart, today: date) -> str | None:
    """Finance may not write a line off while its part is missing past the due date, unwaived;
    nor before the technical department has a verdict on a received part."""
    if owed.status == OwedStatus.WAIVED:
        return None
    if owed.returned_on is None:
        if today > owed.due_on:
            return _("The old part had not arrived by its return date %(due)s.",
                     due=owed.due_on.isoformat())
        return _("The old part is still owed (due %(due)s).", due=owed.due_on.isoformat())
    if owed.days_late and owed.waived_at is None:
        if owed.truck_left_on is not None:
            return _("The old part left on the returning delivery truck on %(day)s, after its "
                     "return date %(due)s.", day=owed.returned_on.isoformat(),
                     due=owed.due_on.isoformat())
        return _("The old part arrived on %(day)s, after its return date %(due)s.",
                 day=owed.returned_on.isoformat(), due=owed.due_on.isoformat())
    if owed.received_on is None:
        return _("The old part left on the returning delivery truck on %(day)s and has not "
                 "been received yet.", day=owed.returned_on.isoformat())
    if owed.verdict is None:
        return _("The technical department has not given its verdict on the old part yet.")
    return None


def waive(owed: OwedPart, reason: str, *, actor, version=LATEST) -> None:
    """The technical department excuses the return of a part, with the reason on record."""
    if not can_judge_parts(actor):
        raise DomainError(_("Only the technical department waives a return."))
    check_version(owed, version)
    if not return_waivable(owed):
        raise DomainError(_("Only a part not yet received, or received after its return date, "
                            "can have its return waived."))
    if not reason.strip():
        raise DomainError(_("Give the reason for waiving the return."), field="reason")
    before = owed.status
    # A late part that did arrive stays received (its verdict and store still follow); only
    # its lateness is excused.
    after = OwedStatus.RECEIVED if before == OwedStatus.RECEIVED else OwedStatus.WAIVED
    owed.status, owed.waive_reason = after, reason.strip()
    owed.waived_at, owed.waived_by_id = utcnow(), actor.id
    audit.record("waive", owed, actor=actor, from_state=before, to_state=after,
                 reason=owed.waive_reason)
    audit.record("waive", owed.claim, actor=actor, reason=owed.waive_reason,
                 changes={f"#{owed.line.position}": (before, OwedStatus.WAIVED)})


# ---------------------------------------------------------------- the verdict


def record_verdict(owed: OwedPart, verdict: Verdict, *, actor, today: date,
                   cause_code_id: int | None = None, cause: str = "",
                   destination: Destination | None = None) -> None:
    """The technical department's 鉴定 of a part; it changes the claim line at once."""
    if not can_judge_parts(actor):
        raise DomainError(_("Only the technical department gives verdicts."))
    if owed.verdict is not None:
        raise DomainError(_("This part already has a verdict."))
    if owed.status == OwedStatus.CANCELLED:
        raise DomainError(_("This part is no longer owed."))
    if verdict == Verdict.NOT_RECEIVED:
        if owed.status == OwedStatus.RECEIVED:
            raise DomainError(_("The part was received; give the verdict on the part itself."),
                              field="verdict")
        if owed.status == OwedStatus.WAIVED:
            raise DomainError(_("The return of this part was waived."), field="verdict")
        if today <= owed.due_on:
            raise DomainError(_("The part is not due until %(due)s.",
                                due=owed.due_on.isoformat()), field="verdict")
        destination = None
    else:
        if owed.status != OwedStatus.RECEIVED:
            raise DomainError(_("The part has not been received yet."), field="verdict")
        if destination is None:
            raise DomainError(_("Choose where the part goes."), field="destination")
    if verdict != Verdict.QUALITY_FAULT and not (cause.strip() or cause_code_id):
        raise DomainError(_("Record the cause found."), field="cause")
    owed.verdict, owed.cause_code_id, owed.cause = verdict, cause_code_id, cause.strip()
    owed.destination, owed.verdict_by_id, owed.verdict_at = destination, actor.id, utcnow()
    if destination is not None:
        db.session.add(StoreItem(owed_part=owed, store=destination, entered_on=today))
    audit.record("verdict", owed, actor=actor, to_state=verdict, reason=owed.cause,
                 changes={"destination": (None, destination)} if destination else None)
    apply_verdict(owed, actor=actor)


def apply_verdict(owed: OwedPart, *, actor) -> None:
    """A quality fault keeps the line's approval; any other verdict sets the line to zero with
    that reason, and the claim's total and status follow."""
    line, claim = owed.line, owed.claim
    if owed.verdict == Verdict.QUALITY_FAULT:
        audit.record("verdict", claim, actor=actor, reason=owed.verdict.title,
                     changes={f"#{line.position}": (None, owed.verdict.title)})
        return
    before_line = (line.decision, line.approved_amount)
    line.decision, line.approved_amount = Decision.REJECTED, money(0)
    line.reject_code = VERDICT_REJECTS[owed.verdict]
    line.decision_note = " ".join(filter(None, [owed.verdict.title, owed.cause]))
    line.decided_by_id, line.decided_at = actor.id, owed.verdict_at
    before_status, counted = claim.status, visit_tallies.share(claim)
    if claim.status in DECIDED:
        claimed = [lin for lin in claim.lines if not lin.paid_service]
        claim.total_approved = money(sum(lin.approved_amount or 0 for lin in claimed))
        if all(lin.decision == Decision.REJECTED for lin in claimed):
            claim.status = ClaimStatus.REJECTED
        elif claim.status == ClaimStatus.APPROVED:
            claim.status = ClaimStatus.PARTLY_APPROVED
        visit_tallies.move(claim, counted)  # rejected by its parts: no warranty repair
    audit.record("verdict", claim, actor=actor, from_state=before_status, to_state=claim.status,
                 reason=line.decision_note, changes={
                     f"#{line.position}": (
                         f"{before_line[0].title} ¥{before_line[1]}"
                         if before_line[1] is not None else before_line[0].title,
                         f"{line.decision.title} ¥0.00"),
                     **({"total_approved": (None, claim.total_approved)}
                        if claim.status in DECIDED else {})})


def locked_by_verdict(line) -> bool:
    """A line a verdict already set to zero: the claim's decision cannot approve it again."""
    owed = db.session.scalar(sa.select(OwedPart).where(OwedPart.claim_line_id == line.id))
    return owed is not None and owed.verdict not in (None, Verdict.QUALITY_FAULT)
