"""The finance track of a technically decided claim: the dealer's sales rep forwards it (or
returns it to the technical department), finance audits each line's amount and approves or
rejects its cost.

    decided ──(rep)──► forwarded ──(finance)──► cost approved ──(notice confirmed)──► written off
        ▲                                   └─► cost rejected
        └─(rep) back to the technical department          cost approved / rejected ──(finance,
                                                           not in a notice)──► forwarded again

``claim.status`` stays the technical outcome; ``claim.finance_stage`` is this track. Each
transition is one function that checks it, records who/when/why and raises DomainError otherwise.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.catalog.models import Part
from portal.claims.models import DECIDED, Claim, ClaimLine, ClaimStatus, Decision, FinanceStage
from portal.core import audit
from portal.core.db import CENT, SHANGHAI, money, utcnow
from portal.core.errors import DomainError
from portal.core.versioning import LATEST, check_version
from portal.extensions import db
from portal.finance import cost_totals
from portal.finance.access import can_audit_costs, can_forward_claim, handled_by
from portal.returns.models import OwedPart, OwedStatus, waiting_for_verdict
from portal.returns.owed import line_returns
from portal.service import visit_tallies
from portal.workflow.claims import clear_decisions

READY_STATUSES = (ClaimStatus.APPROVED, ClaimStatus.PARTLY_APPROVED)
AUDITED = (FinanceStage.APPROVED, FinanceStage.REJECTED)


# ---------------------------------------------------------------- readiness


def _sample_pending():
    return sa.and_(Claim.decided_by_rules, Claim.sampled, Claim.sample_reviewed_at.is_(None))


def ready_for_finance():
    """A WHERE clause for the claims ready for finance, for queues: one set-based test instead
    of ``finance_readiness`` per row; the claim's ``parts_pending`` stands for its owed parts
    still waiting for a verdict (``portal.returns.models.waiting_for_verdict``)."""
    return sa.and_(Claim.status.in_(READY_STATUSES), sa.not_(_sample_pending()),
                   Claim.parts_pending.is_(False))


@cache
def _pending_select():
    """SELECT the owed parts of the claims ``:ids`` waiting for a verdict, built once (it is
    the same every time; building it and its cache key was most of the queue's readiness)."""
    return (sa.select(OwedPart.claim_id, OwedPart.status, OwedPart.due_on,
                      OwedPart.returned_on.label("returned_on"), Part.part_number,
                      ClaimLine.position)
            .join(Part, Part.id == OwedPart.part_id)
            .join(ClaimLine, ClaimLine.id == OwedPart.claim_line_id)
            .where(OwedPart.claim_id.in_(sa.bindparam("ids", expanding=True)),
                   waiting_for_verdict())
            .order_by(OwedPart.id))


def pending_parts(claim_ids) -> dict[int, list]:
    """Per claim id: its owed parts still waiting for a verdict or a waiver, in one query, as
    rows of what a reason names (status, due date, returned on, part number, line position)."""
    found: dict[int, list] = {}
    if not claim_ids:
        return found
    for owed in db.session.execute(_pending_select(), {"ids": list(claim_ids)}):
        found.setdefault(owed.claim_id, []).append(owed)
    return found


def finance_readiness(claim: Claim, today: date) -> list[str]:
    """Why the claim is not ready for finance; empty when it is."""
    return readiness_reasons(claim, pending_parts([claim.id]).get(claim.id, []), today)


def readiness_of(claims, today: date) -> dict[int, list[str]]:
    """``finance_readiness`` for a page of claims, in a fixed number of queries (and the
    reasons' words looked up once, not once an owed part)."""
    pending, texts = pending_parts([c.id for c in claims]), _part_texts()
    return {c.id: readiness_reasons(c, pending.get(c.id, []), today, texts) for c in claims}


def readiness_reasons(claim: Claim, pending: list, today: date,
                      texts: dict | None = None) -> list[str]:
    reasons = []
    if claim.status == ClaimStatus.REJECTED:
        reasons.append(_("The technical department rejected this claim; it does not go to "
                         "finance."))
    elif claim.status not in READY_STATUSES:
        reasons.append(_("The technical department has not decided this claim yet."))
    if claim.decided_by_rules and claim.sampled and claim.sample_reviewed_at is None:
        reasons.append(_("The rules approved it and it was drawn for review; the technical "
                         "department has not reviewed it yet."))
    texts = texts or (_part_texts() if pending else {})
    for owed in pending:
        reasons.append(_part_reason(owed, today, texts))
    return reasons


def _part_texts() -> dict[str, str]:
    """The words of ``_part_reason`` in the reader's language, to be filled in."""
    return {"received": _("Old part %(part)s was received and waits for the technical "
                          "verdict."),
            "late": _("Old part %(part)s was not returned by %(due)s: it needs the technical "
                      "department's verdict or a waiver."),
            "owed": _("Old part %(part)s is still to be returned (due %(due)s) and judged.")}


def _part_reason(owed, today: date, texts: dict) -> str:
    """Why one owed part (a row of ``pending_parts``) holds its claim back."""
    part = f"{owed.part_number} (#{owed.position})"
    if owed.status == OwedStatus.RECEIVED:
        return texts["received"] % {"part": part}
    late = today > owed.due_on and owed.returned_on is None
    return texts["late" if late else "owed"] % {"part": part, "due": owed.due_on.isoformat()}


# ---------------------------------------------------------------- the sales rep


def _require_rep(claim: Claim, actor) -> None:
    if not can_forward_claim(claim, actor):
        raise DomainError(_("Only the dealer's sales rep forwards its claims to finance or "
                            "returns them to the technical department."))


def forward_claim(claim: Claim, *, actor, today: date, version=LATEST) -> None:
    """The rep has spot-checked a decided claim and hands it to finance."""
    if claim.filed_by_head_office:
        raise DomainError(_("Head office repaired this unit itself: the cost is the maker's "
                            "own and goes on no dealer's write-off notice."))
    _require_rep(claim, actor)
    check_version(claim, version)
    if claim.finance_stage is not None:
        raise DomainError(_("This claim is already with finance (%(stage)s).",
                            stage=claim.finance_stage.title))
    if reasons := finance_readiness(claim, today):
        raise DomainError(_("Not ready for finance: %(why)s", why=" ".join(reasons)))
    claim.finance_stage = FinanceStage.FORWARDED
    claim.forwarded_by_id, claim.forwarded_at = actor.id, utcnow()
    audit.record("forward", claim, actor=actor, from_state=claim.status,
                 to_state=FinanceStage.FORWARDED,
                 changes={"total_approved": (None, claim.total_approved)})


def return_to_technical(claim: Claim, reason: str, *, actor, version=LATEST) -> None:
    """The rep's spot-check found a problem: the technical department decides the claim again.

    Its old parts and their verdicts stay (the parts are at head office); a line an old-part
    verdict set to zero stays so. Sending it on to the dealer's draft is then the technical
    department's (or the rep's) ordinary send-back of a claim under review.
    """
    _require_rep(claim, actor)
    check_version(claim, version)
    if claim.status not in DECIDED or claim.finance_stage is not None:
        raise DomainError(_("Only a decided claim not yet forwarded to finance can go back to "
                            "the technical department."))
    if not reason.strip():
        raise DomainError(_("Tell the technical department what to look at again."),
                          field="reason")
    before, counted = claim.status, visit_tallies.share(claim)
    clear_decisions(claim)
    claim.status = ClaimStatus.UNDER_REVIEW
    visit_tallies.move(claim, counted)  # a rejected claim under review counts again
    audit.record("return_to_technical", claim, actor=actor, from_state=before,
                 to_state=ClaimStatus.UNDER_REVIEW, reason=reason.strip())


# ---------------------------------------------------------------- finance


@dataclass(frozen=True)
class AuditLine:
    """A claim line finance audits, and what (if anything) stops it being paid."""

    line: ClaimLine
    blocked: str | None

    @property
    def suggested(self) -> Decimal:
        return money(0) if self.blocked else self.line.approved_amount


def audited_lines(claim: Claim, today: date) -> list[AuditLine]:
    """The lines finance decides on: claimed from the maker and not rejected technically."""
    returns = line_returns(claim, today)
    return [AuditLine(line, returns[line.id].blocked if line.id in returns else None)
            for line in claim.lines
            if not line.paid_service and line.decision != Decision.REJECTED]


def _require_finance(claim: Claim, actor) -> None:
    if not can_audit_costs(actor):
        raise DomainError(_("Only finance audits the cost of claims."))
    if handled_by(claim, actor):
        raise DomainError(_("Whoever filed or decided a claim cannot audit its cost."))


def audit_claim(claim: Claim, amounts: dict[int, dict], *, actor, approve: bool,
                reason: str = "", now: datetime | None = None,
                version=LATEST) -> FinanceStage:
    """Finance's audit: per line the amount it accepts (``amounts[line.id]`` holds "amount"
    and "note"), then approve the cost, or reject it with the reason."""
    _require_finance(claim, actor)
    check_version(claim, version)
    if claim.finance_stage in AUDITED:
        raise DomainError(_("Finance has already audited this claim (%(stage)s).",
                            stage=claim.finance_stage.title))
    if claim.finance_stage != FinanceStage.FORWARDED:
        raise DomainError(_("Only a claim the sales rep forwarded can be audited."))
    now = now or utcnow()
    today = now.astimezone(SHANGHAI).date()
    reason = reason.strip()
    if approve:
        _accept_amounts(claim, amounts, today)
    else:
        _refuse_amounts(claim, reason)
    changes = {f"#{line.position}": (line.approved_amount, line.finance_amount)
               for line in claim.lines if approve and line.finance_amount is not None
               and line.finance_amount != line.approved_amount}
    claim.finance_stage = FinanceStage.APPROVED if approve else FinanceStage.REJECTED
    claim.finance_by_id, claim.finance_at, claim.finance_on = actor.id, now, today
    claim.finance_note = reason
    if approve:
        cost_totals.count_claim(claim)
    audit.record("finance_approve" if approve else "finance_reject", claim, actor=actor,
                 from_state=FinanceStage.FORWARDED, to_state=claim.finance_stage, reason=reason,
                 changes={**changes, "total_finance": (claim.total_approved,
                                                       claim.total_finance)})
    return claim.finance_stage


def _accept_amounts(claim: Claim, amounts: dict[int, dict], today: date) -> None:
    if reasons := finance_readiness(claim, today):  # the technical side may have moved since
        raise DomainError(_("Not ready for finance: %(why)s", why=" ".join(reasons)))
    total = Decimal(0)
    for audited in audited_lines(claim, today):
        line, wanted = audited.line, amounts.get(audited.line.id) or {}
        amount = _checked_amount(audited, wanted.get("amount"))
        note = (wanted.get("note") or "").strip() or (audited.blocked or "")
        if amount != line.approved_amount and not note:
            raise DomainError(_("Line %(n)d: say why finance accepts %(amount)s instead of the "
                                "approved %(approved)s.", n=line.position, amount=amount,
                                approved=line.approved_amount), field=f"line-{line.id}")
        line.finance_amount, line.finance_note = amount, note
        total += amount
    for line in claim.lines:
        if not line.paid_service and line.decision == Decision.REJECTED:
            line.finance_amount, line.finance_note = money(0), ""
    if total <= 0:
        raise DomainError(_("Finance accepts nothing of this claim: reject its cost instead, "
                            "with the reason."))
    claim.total_finance = money(total)


def _checked_amount(audited: AuditLine, amount) -> Decimal:
    line, field = audited.line, f"line-{audited.line.id}"
    if amount is None:
        raise DomainError(_("Line %(n)d: enter the amount finance accepts.", n=line.position),
                          field=field)
    if amount < 0 or amount > line.approved_amount:
        raise DomainError(_("Line %(n)d: the amount lies between 0 and the approved "
                            "%(approved)s.", n=line.position, approved=line.approved_amount),
                          field=field)
    if amount != amount.quantize(CENT):
        raise DomainError(_("Enter yuan with at most two decimal places."), field=field)
    if audited.blocked and amount > 0:
        raise DomainError(_("Line %(n)d cannot be paid: %(why)s", n=line.position,
                            why=audited.blocked), field=field)
    return money(amount)


def _refuse_amounts(claim: Claim, reason: str) -> None:
    if not reason:
        raise DomainError(_("Say why finance rejects the cost of this claim."), field="reason")
    for line in claim.lines:
        if not line.paid_service:
            line.finance_amount, line.finance_note = money(0), ""
    claim.total_finance = money(0)


def reopen_audit(claim: Claim, reason: str, *, actor, version=LATEST) -> None:
    """Finance takes back its audit of a claim that is in no notice, to audit it again."""
    _require_finance(claim, actor)
    check_version(claim, version)
    if claim.finance_stage not in AUDITED:
        raise DomainError(_("Only an audited claim can be reopened."))
    if claim.notice_id is not None:
        raise DomainError(_("This claim is in write-off notice %(number)s; void the notice "
                            "first.", number=claim.notice.number))
    if not reason.strip():
        raise DomainError(_("Say why the audit is reopened."), field="reason")
    before = claim.finance_stage
    if before == FinanceStage.APPROVED:
        cost_totals.count_claim(claim, -1)  # before its amounts and month are cleared
    for line in claim.lines:
        line.finance_amount, line.finance_note = None, ""
    claim.finance_stage = FinanceStage.FORWARDED
    claim.total_finance = claim.finance_by_id = claim.finance_at = claim.finance_on = None
    claim.finance_note = ""
    audit.record("reopen_audit", claim, actor=actor, from_state=before,
                 to_state=FinanceStage.FORWARDED, reason=reason.strip())
