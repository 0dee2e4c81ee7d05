"""Write operations on claims: the dealer's record, its lines and files, and the claim's own
part of each transition.

draft → submitted → under technical review → approved / partly approved / rejected; any
reviewer may send a claim back to draft. Every transition is one transaction and one audit
entry; a claim's version guards against two people acting on it at once. The transitions that
also write in other domains (submit, remove a line, decide, send back, review a sample) are in
``portal.workflow.claims``, which lists their steps.
"""

import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import flag_modified

from portal.catalog.models import FaultCode, Part, PolicySettings
from portal.claims import costing
from portal.claims.access import (
    can_decide_claims,
    can_file_claim,
    can_file_head_office_claims,
    filed_by,
)
from portal.claims.checks import all_pass, blocking, run_checks
from portal.claims.models import (
    AttachmentKind,
    Claim,
    ClaimAttachment,
    ClaimLine,
    ClaimStatus,
    Decision,
    LineKind,
    RejectCode,
)
from portal.claims.repairs import card_terms, coverage_for
from portal.core import audit
from portal.core.db import money
from portal.core.errors import DomainError
from portal.core.numbering import next_number
from portal.core.versioning import LATEST, check_version
from portal.extensions import db
from portal.units.coverage import reimbursement_reasons
from portal.units.coverage_text import REASONS

HEADER_FIELDS = ("failure_date", "handed_in_on", "completed_on", "hour_meter", "fault_code_id",
                 "description", "cause", "work_done", "technician", "parts_waited_from",
                 "parts_waited_to")
SAMPLER = secrets.SystemRandom()


class ChecksFailed(DomainError):
    """Submission refused: the blocking checks say why."""

    def __init__(self, failed):
        self.checks = failed
        super().__init__(_("The claim cannot be submitted: %(why)s",
                           why=" ".join(c.message for c in failed)))


# ---------------------------------------------------------------- the dealer's record


def touch(claim: Claim) -> None:
    """Mark the claim row changed, so its version moves with any change to its lines or files."""
    flag_modified(claim, "total_claimed")


def require_draft(claim: Claim) -> None:
    if claim.status != ClaimStatus.DRAFT:
        raise DomainError(_("Only a draft can be changed; this claim is %(status)s.",
                            status=claim.status.title))


def require_dealer_of(claim_or_unit, actor) -> None:
    """The one filing rule (``can_file_claim``): the dealer's staff, or head office for the
    records it files itself."""
    if can_file_claim(claim_or_unit, actor):
        return
    if getattr(claim_or_unit, "filed_by_head_office", False):
        raise DomainError(_("Only head office changes the repair records it filed itself."))
    raise DomainError(_("Only the dealer's own staff can change its repair records."))


def header_problems(values: dict, unit, today: date) -> dict:
    """Dates in order and not in the future; a reading that is a number of hours."""
    problems = {}
    failure, handed_in, completed = (values.get(k) for k in
                                     ("failure_date", "handed_in_on", "completed_on"))
    for key in ("failure_date", "handed_in_on", "completed_on", "parts_waited_from",
                "parts_waited_to"):
        if values.get(key) and values[key] > today:
            problems[key] = _("This date cannot be in the future.")
    if failure and unit.shipped_on and failure < unit.shipped_on:
        problems.setdefault("failure_date", _(
            "The unit was only shipped on %(day)s.", day=unit.shipped_on.isoformat()))
    if handed_in and failure and handed_in < failure:
        problems.setdefault("handed_in_on", _("The unit cannot be handed in before it failed."))
    if completed and not handed_in:
        problems.setdefault("handed_in_on", _("Enter when the unit was handed in."))
    if completed and handed_in and completed < handed_in:
        problems.setdefault("completed_on",
                            _("The repair cannot be completed before the unit was handed in."))
    for field, message in waiting_problems(values).items():
        problems.setdefault(field, message)
    reading = values.get("hour_meter")
    if reading is not None and (reading < 0 or reading >= Decimal("100000")):
        problems["hour_meter"] = _("Enter the hours shown on the meter (0 to 99999.9).")
    return problems


def waiting_problems(values: dict) -> dict:
    """The days waiting for parts: both ends or neither, after the failure, the parts there
    by the completion of the repair."""
    failure, completed = values.get("failure_date"), values.get("completed_on")
    waited_from, waited_to = values.get("parts_waited_from"), values.get("parts_waited_to")
    if waited_from is None and waited_to is None:
        return {}
    if waited_from is None:
        return {"parts_waited_from": _("Enter since when the unit waited for parts.")}
    if waited_to is None:
        return {"parts_waited_to": _("Enter the day the parts came.")}
    if failure and waited_from < failure:
        return {"parts_waited_from": _("The unit cannot wait for parts before it failed.")}
    if waited_to <= waited_from:
        return {"parts_waited_to": _("The parts must have come after the wait began.")}
    if completed and waited_to > completed:
        return {"parts_waited_to": _("The parts must have come by the day the repair was "
                                     "completed.")}
    return {}


def create_claim(unit, values: dict, *, actor, today: date, service_request=None) -> Claim:
    """Open a draft repair record for a unit the dealer sold or serves, or one head office
    repairs itself (the technical department, the dealer's sales rep: ``can_file_claim``)."""
    require_dealer_of(unit, actor)
    if not values.get("failure_date"):
        raise DomainError(_("Enter the failure date."), field="failure_date")
    for field, message in header_problems(values, unit, today).items():
        raise DomainError(message, field=field)
    # Numbered in the business year of the day it is opened.
    claim = Claim(number=next_number("claim", today).text, unit=unit,
                  dealer_id=unit.dealer_id, created_by_id=actor.id,
                  filed_by_head_office=can_file_head_office_claims(actor),
                  service_request=service_request,
                  **{k: values.get(k) for k in HEADER_FIELDS if k in values})
    db.session.add(claim)
    db.session.flush()
    audit.record("create", claim, actor=actor, to_state=ClaimStatus.DRAFT,
                 changes=_readable({k: (None, v) for k, v in values.items()
                                    if v not in (None, "")}))
    return claim


def update_claim(claim: Claim, values: dict, *, actor, today: date,
                 version=LATEST) -> Claim:
    """Change the record's facts; the lines' coverage follows the new failure date."""
    require_dealer_of(claim, actor)
    require_draft(claim)
    check_version(claim, version)
    if not values.get("failure_date", claim.failure_date):
        raise DomainError(_("Enter the failure date."), field="failure_date")
    for field, message in header_problems(values, claim.unit, today).items():
        raise DomainError(message, field=field)
    if changes := audit.apply_changes(claim, values):
        refresh_lines(claim)
        audit.record("update", claim, actor=actor, changes=_readable(changes))
    return claim


def _readable(changes: dict) -> dict:
    """Show a fault code in the history by its code, not its row id."""
    if "fault_code_id" in changes:
        ids = changes.pop("fault_code_id")
        changes["fault_code_id"] = tuple(
            db.session.get(FaultCode, i).code if i else None for i in ids)
    return changes


def line_coverage(claim: Claim, line: ClaimLine) -> tuple[bool, list[str], bool, list[str]]:
    """Covered for the buyer and why not, reimbursed to the dealer and why not. A part line is
    judged by its part's clock; other costs follow the repair they serve."""
    if line.kind == LineKind.PART:
        return _answers(coverage_for(claim.unit, line.part, claim.failure_date,
                                     exclude_claim_id=claim.id))
    unpaid = [str(r) for r in reimbursement_reasons(card_terms(claim.unit))]
    parts = [pl for pl in claim.lines if pl.kind == LineKind.PART]
    if any(pl.covered for pl in parts):
        return True, [], not unpaid, unpaid
    verdict = coverage_for(claim.unit, None, claim.failure_date, exclude_claim_id=claim.id)
    if verdict.covered and parts:  # a covered machine but only uncovered parts
        return False, sorted({r for pl in parts for r in pl.not_covered}), False, unpaid
    return _answers(verdict)


def _answers(verdict) -> tuple[bool, list[str], bool, list[str]]:
    return (verdict.covered, [str(r) for r in verdict.reasons], verdict.reimbursed,
            [str(r) for r in verdict.reimbursement_reasons])


def refresh_lines(claim: Claim) -> None:
    """Recompute every line's two answers (parts first) and the claimed total: what the maker
    is asked to reimburse. A line covered for the buyer is never paid service."""
    ordered = sorted(claim.lines, key=lambda line: line.kind != LineKind.PART)
    for line in ordered:
        line.covered, line.not_covered, line.reimbursed, line.not_reimbursed = (
            line_coverage(claim, line))
        if line.covered and line.paid_service:  # e.g. a corrected failure date
            _back_to_warranty(line)
    claim.total_claimed = money(sum((line.amount for line in claim.lines if line.reimbursed),
                                    Decimal(0)))


def price_line(claim: Claim, kind: LineKind, values: dict) -> costing.Priced:
    """Price a new line from the tables: part, labour, travel or other."""
    if kind == LineKind.PART:
        part = db.session.get(Part, values.get("part_id") or 0)
        if part is None or not part.is_active:
            raise DomainError(_("Choose a part from the catalogue."), field="part_id")
        if not part.fits(claim.unit.model_id):
            raise DomainError(_("Part %(part)s does not fit model %(model)s.",
                                part=part.part_number, model=claim.unit.model.code),
                              field="part_id")
        return costing.price_part(part, values.get("quantity"))
    if kind == LineKind.LABOUR:
        fault = db.session.get(FaultCode, values.get("fault_code_id") or 0) or claim.fault_code
        if fault is None:
            raise DomainError(_("Choose the fault code the labour is for."), field="fault_code")
        return costing.price_labour(fault, claim.unit.model.category, claim.dealer.grade,
                                    values.get("hours"), values.get("reason") or "")
    if kind == LineKind.TRAVEL:
        if any(line.kind == LineKind.TRAVEL for line in claim.lines):
            raise DomainError(_("A repair has one travel line; remove the other one first."),
                              field="km")
        return costing.price_travel(values.get("km"))
    return costing.price_other(values.get("amount"), values.get("reason") or "")


def add_line(claim: Claim, kind: LineKind, values: dict, *, actor,
             version=LATEST) -> ClaimLine:
    require_dealer_of(claim, actor)
    require_draft(claim)
    check_version(claim, version)
    priced = price_line(claim, kind, values)
    position = max((line.position for line in claim.lines), default=0) + 1
    line = ClaimLine(position=position, kind=kind, part=priced.part, quantity=priced.quantity,
                     unit_price=priced.unit_price, fault_code=priced.fault_code,
                     hours=priced.hours, standard_hours=priced.standard_hours,
                     hourly_rate=priced.hourly_rate, km=priced.km, reason=priced.reason,
                     amount=priced.amount)
    claim.lines.append(line)
    refresh_lines(claim)
    touch(claim)
    audit.record("add_line", claim, actor=actor, changes={
        f"#{position}": (None, f"{kind.title} {line_label(line)} ¥{line.amount}")})
    return line


def line_label(line: ClaimLine) -> str:
    if line.kind == LineKind.PART:
        return f"{line.part.part_number} × {line.quantity}"
    if line.kind == LineKind.LABOUR:
        return f"{line.fault_code.code} {line.hours} h"
    if line.kind == LineKind.TRAVEL:
        return f"{line.km} km"
    return line.reason


def find_line(claim: Claim, line_id: int) -> ClaimLine:
    line = next((line for line in claim.lines if line.id == line_id), None)
    if line is None:
        raise DomainError(_("That line is not on this claim."))
    return line


def set_paid_service(claim: Claim, line_id: int, paid: bool, *, actor, version=LATEST,
                     customer_agreed: bool = False) -> None:
    """Turn a line outside the buyer's rights into paid service (the customer pays), or back.
    A line covered for the buyer never is, even when the maker does not reimburse it. The
    customer pays parts at retail and labour above the standard hours only if he agreed."""
    require_dealer_of(claim, actor)
    require_draft(claim)
    check_version(claim, version)
    line = find_line(claim, line_id)
    if paid:
        _require_billable(line, customer_agreed)
    if line.paid_service != paid:
        (_to_customer if paid else _back_to_warranty)(line)
        refresh_lines(claim)
        touch(claim)
        audit.record("paid_service" if paid else "warranty_line", claim, actor=actor,
                     changes={f"#{line.position}": (not paid, paid)})


def _to_customer(line: ClaimLine) -> None:
    line.paid_service, line.customer_agreed = True, costing.hours_need_agreement(line)
    if line.kind == LineKind.PART:
        costing.reprice_part(line, paid=True)


def _back_to_warranty(line: ClaimLine) -> None:
    line.paid_service, line.customer_agreed = False, False
    if line.kind == LineKind.PART:
        costing.reprice_part(line, paid=False)


def _require_billable(line: ClaimLine, customer_agreed: bool) -> None:
    if line.covered:
        raise DomainError(_("This line is covered for the buyer by 三包: it is free to him, "
                            "whether or not the maker reimburses the dealer."))
    if line.kind == LineKind.OTHER:
        raise DomainError(_("Paid service charges only parts, wages and travel from the "
                            "tables; other costs cannot be billed to the customer."))
    if costing.hours_need_agreement(line) and not customer_agreed:
        raise DomainError(_("%(hours)s h is more than the standard %(standard)s h: the customer "
                            "pays the extra hours only if he agreed to them; record his "
                            "agreement.", hours=line.hours, standard=line.standard_hours),
                          field="customer_agreed")


def check_editable(claim: Claim, actor) -> None:
    """Refuse unless the actor's dealer owns the claim and it is still a draft."""
    require_dealer_of(claim, actor)
    require_draft(claim)


def attach(claim: Claim, kind: AttachmentKind, stored, *, actor, drawn: bool = False,
           size: int = 0) -> ClaimAttachment:
    """Keep a checked, stored file on the claim: a photo or the customer's signature."""
    check_editable(claim, actor)
    attachment = ClaimAttachment(kind=kind, drawn=drawn, path=stored.path, name=stored.name,
                                 content_type=stored.content_type, size=size,
                                 uploaded_by_id=actor.id)
    claim.attachments.append(attachment)
    touch(claim)
    audit.record("attach", claim, actor=actor, changes={kind.value: (None, stored.name)})
    return attachment


def detach(claim: Claim, attachment_id: int, *, actor) -> ClaimAttachment:
    require_dealer_of(claim, actor)
    require_draft(claim)
    attachment = next((a for a in claim.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise DomainError(_("That file is not on this claim."))
    claim.attachments.remove(attachment)
    touch(claim)
    audit.record("detach", claim, actor=actor,
                 changes={attachment.kind.value: (attachment.name, None)})
    return attachment


def checks_for(claim: Claim, today: date):
    return run_checks(claim, today)


# ---------------------------------------------------------------- submission


def file(claim: Claim, *, actor, today: date, now: datetime, version=LATEST) -> list:
    """The claim's own part of filing it: refused while a check blocks, else submitted.
    ``portal.workflow.claims.submit`` runs it and everything filing does in other domains."""
    require_dealer_of(claim, actor)
    require_draft(claim)
    check_version(claim, version)
    refresh_lines(claim)
    checks = run_checks(claim, today)
    if failed := blocking(checks):
        raise ChecksFailed(failed)
    claim.status = ClaimStatus.SUBMITTED
    claim.submitted_by_id, claim.submitted_at = actor.id, now
    claim.checks = [c.as_dict() for c in checks]
    audit.record("submit", claim, actor=actor, from_state=ClaimStatus.DRAFT,
                 to_state=ClaimStatus.SUBMITTED,
                 changes={"total_claimed": (None, claim.total_claimed)})
    return checks


def dealer_in_good_standing(dealer_id: int, now: datetime, days: int) -> bool:
    """No claim of the dealer rejected outright in the last ``days`` days (head office's own
    records on its units are not the dealer's doing)."""
    since = now - timedelta(days=days)
    rejected = db.session.scalar(
        sa.select(sa.func.count()).select_from(Claim)
        .where(Claim.dealer_id == dealer_id, Claim.status == ClaimStatus.REJECTED,
               Claim.decided_at >= since, Claim.filed_by_head_office.is_(False)))
    return not rejected


def rules_may_decide(claim: Claim, checks) -> bool:
    """Whether head office's rules let this claim be approved without a person."""
    policy = PolicySettings.current()
    if claim.filed_by_head_office:  # head office's own record: a technician, not its filer
        return False
    if not policy.auto_approve or not all_pass(checks):
        return False
    if claim.total_claimed > policy.auto_max_total:
        return False
    if any(not line.reimbursed for line in claim.lines):
        return False
    if claim.fault_code is not None and claim.fault_code.watched:
        return False
    if any(line.part is not None and line.part.watched for line in claim.lines):
        return False
    if claim.dealer.status != "active":
        return False
    return dealer_in_good_standing(claim.dealer_id, claim.submitted_at,
                                   policy.good_standing_days)


def decide_by_rules(claim: Claim, now: datetime, rng) -> None:
    for line in claim.lines:
        line.decision, line.approved_amount, line.decided_at = Decision.APPROVED, line.amount, now
    claim.status = ClaimStatus.APPROVED
    claim.total_approved = claim.total_claimed
    claim.decided_at, claim.decided_by_rules = now, True
    claim.sampled = rng.randrange(100) < PolicySettings.current().auto_sample_percent
    audit.record("decide_by_rules", claim, actor=audit.SYSTEM, from_state=ClaimStatus.SUBMITTED,
                 to_state=ClaimStatus.APPROVED,
                 reason=_("Every check passed and the rules for clean claims apply.")
                 + (" " + _("Drawn for review after the fact.") if claim.sampled else ""),
                 changes={"total_approved": (None, claim.total_approved)})


# ---------------------------------------------------------------- technical review


def require_reimbursable(line: ClaimLine, decision, field: str) -> None:
    """The maker pays only a reimbursed line: a line outside the buyer's rights, or one the
    dealer's card keeps from the maker, can only be rejected. Once the card is excused, the
    claim is sent back and judged again on resubmission."""
    if decision in (Decision.APPROVED, Decision.REDUCED) and not line.reimbursed:
        why = " ".join(str(REASONS.get(code, code))
                       for code in (line.not_covered or line.not_reimbursed))
        raise DomainError(_("Line %(n)d is not reimbursed to the dealer: %(why)s Reject it; "
                            "once the card is excused, send the claim back to be judged again.",
                            n=line.position, why=why), field=field)


def require_technical(claim: Claim, actor) -> None:
    if not can_decide_claims(actor):
        raise DomainError(_("Only the technical department decides claims."))
    if filed_by(claim, actor):
        raise DomainError(_("Whoever filed a claim cannot decide it."))


def start_review(claim: Claim, *, actor, version=LATEST) -> None:
    require_technical(claim, actor)
    check_version(claim, version)
    if claim.status != ClaimStatus.SUBMITTED:
        raise DomainError(_("Only a submitted claim can be taken for review."))
    claim.status, claim.reviewer_id = ClaimStatus.UNDER_REVIEW, actor.id
    audit.record("start_review", claim, actor=actor, from_state=ClaimStatus.SUBMITTED,
                 to_state=ClaimStatus.UNDER_REVIEW)


def decide_line(line: ClaimLine, wanted: dict, actor, now: datetime) -> None:
    field = f"line-{line.id}"
    decision = Decision(wanted["decision"])
    require_reimbursable(line, decision, field)
    note = (wanted.get("note") or "").strip()
    code = wanted.get("reject_code") or None
    line.reject_code, line.decision_note = None, note
    if decision == Decision.APPROVED:
        line.approved_amount = line.amount
    elif decision == Decision.REDUCED:
        amount = wanted.get("amount")
        if amount is None or amount < 0 or amount >= line.amount:
            raise DomainError(_("Line %(n)d: a reduced amount lies between 0 and %(amount)s.",
                                n=line.position, amount=line.amount), field=field)
        if amount != amount.quantize(Decimal("0.01")):
            raise DomainError(_("Enter yuan with at most two decimal places."), field=field)
        if not note:
            raise DomainError(_("Line %(n)d: say why the amount is reduced.", n=line.position),
                              field=field)
        line.approved_amount = money(amount)
    elif decision == Decision.REJECTED:
        if code is None:
            raise DomainError(_("Line %(n)d: choose the reason for rejecting it.",
                                n=line.position), field=field)
        line.reject_code = RejectCode(code)
        if line.reject_code == RejectCode.OTHER and not note:
            raise DomainError(_("Line %(n)d: explain the other reason.", n=line.position),
                              field=field)
        line.approved_amount = Decimal("0.00")
    else:
        raise DomainError(_("Decide line %(n)d.", n=line.position), field=field)
    line.decision, line.decided_by_id, line.decided_at = decision, actor.id, now
