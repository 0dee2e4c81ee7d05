"""What a claim's transitions do, all of it, in one place.

Filing a claim touches four domains: the claim itself (``portal.claims``), its entitlement
flags, the old parts it owes (``portal.returns``), the return visit and the visit tallies
(``portal.service``). Each transition below lists its steps in order, so reading it tells you
everything it writes. Sending back, removing a line, deciding and reviewing a sample undo or
respect what filing started (owed parts, old-part verdicts), so they live here too.

The held-dealer check (old parts long overdue) is a check of ``portal.claims.checks`` that
this module adds, so the claim page and submission run the same checks.
"""

from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _

from portal.claims import entitlements
from portal.claims import services as claim_services
from portal.claims.access import can_send_back_claims, filed_by
from portal.claims.checks import EXTRA_CHECKS, Check, Level
from portal.claims.models import OPEN_FOR_REVIEW, Claim, ClaimStatus, Decision
from portal.core import audit
from portal.core.db import money, utcnow
from portal.core.errors import DomainError
from portal.core.versioning import LATEST, check_version
from portal.returns.owed import (
    cancel_owed_parts,
    forget_line,
    hold_reason,
    locked_by_verdict,
    open_owed_parts,
)
from portal.service import visit_tallies
from portal.service.visits import open_return_visit


def held_check(claim: Claim, today: date):
    """A dealer with old parts long overdue files no new claims (``returns.owed.hold_reason``);
    head office's own record is not the dealer's claim."""
    if claim.filed_by_head_office:
        yield Check("held", Level.PASS, _("Filed by head office: the dealer's overdue old parts "
                                          "do not hold it."))
        return
    reason = hold_reason(claim.dealer_id, today)
    if reason:
        yield Check("held", Level.BLOCKING, reason)
    else:
        yield Check("held", Level.PASS, _("No old parts long overdue: new claims are accepted."))


EXTRA_CHECKS.append(held_check)


# ---------------------------------------------------------------- filing


def submit(claim: Claim, *, actor, today: date, now: datetime | None = None,
           version=LATEST, rng=None) -> list:
    """File the claim: refused while a check blocks; clean claims may be decided by rules."""
    now = now or utcnow()
    counted = visit_tallies.share(claim)  # before anything changes (a draft counts nowhere)
    # guards, coverage of each line, the checks (held dealer included), status, audit
    checks = claim_services.file(claim, actor=actor, today=today, now=now, version=version)
    entitlements.raise_on_submission(claim, today=today, now=now)  # new part, exchange, refund
    open_owed_parts(claim)  # the old parts to send back, with their due dates
    open_return_visit(claim, today=today, actor=actor)  # the call to the customer
    if claim_services.rules_may_decide(claim, checks):  # clean claims: the rules decide
        claim_services.decide_by_rules(claim, now, rng or claim_services.SAMPLER)
    visit_tallies.move(claim, counted)  # a reported repair counts in its day's visit rate
    return checks


def remove_line(claim: Claim, line_id: int, *, actor, version=LATEST) -> None:
    """Take a line off a draft; the old part it owed is forgotten (refused once shipped)."""
    claim_services.require_dealer_of(claim, actor)
    claim_services.require_draft(claim)
    check_version(claim, version)
    line = claim_services.find_line(claim, line_id)
    forget_line(line)
    claim.lines.remove(line)
    claim_services.refresh_lines(claim)
    claim_services.touch(claim)
    removed = f"{line.kind.title} {claim_services.line_label(line)} ¥{line.amount}"
    audit.record("remove_line", claim, actor=actor, changes={f"#{line.position}": (removed, None)})


# ---------------------------------------------------------------- review


def decide(claim: Claim, decisions: dict[int, dict], *, actor, now: datetime | None = None,
           version=LATEST) -> ClaimStatus:
    """Decide every claimed line: approve, reduce (amount and reason) or reject (code)."""
    claim_services.require_technical(claim, actor)
    check_version(claim, version)
    if claim.status not in OPEN_FOR_REVIEW:
        raise DomainError(_("This claim is %(status)s; it is not waiting for a decision.",
                            status=claim.status.title))
    now = now or utcnow()
    claimed = [line for line in claim.lines if not line.paid_service]
    changes = {}
    for line in claimed:
        if locked_by_verdict(line):  # the old part's verdict already set it to zero
            continue
        wanted = decisions.get(line.id)
        if not wanted or not wanted.get("decision"):
            raise DomainError(_("Decide line %(n)d.", n=line.position), field=f"line-{line.id}")
        claim_services.decide_line(line, wanted, actor, now)
        changes[f"#{line.position}"] = (
            None, f"{line.decision.title} ¥{line.approved_amount}"
            + (f" {line.reject_code.title}" if line.reject_code else "")
            + (f" {line.decision_note}" if line.decision_note else ""))
    before, counted = claim.status, visit_tallies.share(claim)
    claim.total_approved = money(sum((line.approved_amount for line in claimed), Decimal(0)))
    if all(line.decision == Decision.REJECTED for line in claimed):
        claim.status = ClaimStatus.REJECTED
    elif all(line.decision == Decision.APPROVED for line in claimed):
        claim.status = ClaimStatus.APPROVED
    else:
        claim.status = ClaimStatus.PARTLY_APPROVED
    claim.decided_by_id, claim.decided_at, claim.decided_by_rules = actor.id, now, False
    claim.reviewer_id = claim.reviewer_id or actor.id
    visit_tallies.move(claim, counted)  # a rejected claim was no warranty repair
    audit.record("decide", claim, actor=actor, from_state=before, to_state=claim.status,
                 changes={**changes, "total_approved": (None, claim.total_approved)})
    return claim.status


def send_back(claim: Claim, reason: str, *, actor, version=LATEST) -> None:
    """Return a claim to the dealer's draft with the reason; its history stays."""
    if not can_send_back_claims(actor):
        raise DomainError(_("Only a reviewer can send a claim back."))
    if filed_by(claim, actor):  # a technician, or a rep who filed head office's record
        raise DomainError(_("Whoever filed a claim cannot decide it."))
    check_version(claim, version)
    if claim.status not in OPEN_FOR_REVIEW:
        raise DomainError(_("Only a claim waiting for review can be sent back."))
    if not reason.strip():
        raise DomainError(_("Tell the dealer what to fix."), field="reason")
    before, counted = claim.status, visit_tallies.share(claim)
    clear_decisions(claim)
    cancel_owed_parts(claim)
    claim.status = ClaimStatus.DRAFT
    claim.submitted_at = claim.submitted_by_id = None
    visit_tallies.move(claim, counted)  # a draft is not reported yet
    audit.record("send_back", claim, actor=actor, from_state=before, to_state=ClaimStatus.DRAFT,
                 reason=reason.strip())


def clear_decisions(claim: Claim) -> None:
    """Undo the people's and rules' decisions; a line an old-part verdict zeroed stays so."""
    for line in claim.lines:
        if locked_by_verdict(line):
            continue
        line.decision, line.approved_amount, line.reject_code = Decision.PENDING, None, None
        line.decision_note, line.decided_by_id, line.decided_at = "", None, None
    claim.total_approved = None
    claim.decided_at = claim.decided_by_id = claim.reviewer_id = None
    claim.decided_by_rules = False


def review_sample(claim: Claim, *, actor, confirm: bool, reason: str = "",
                  now: datetime | None = None, version=LATEST) -> None:
    """Review a rules-decided claim after the fact: confirm it, or reverse it for a person."""
    claim_services.require_technical(claim, actor)
    check_version(claim, version)
    if not claim.decided_by_rules or claim.status != ClaimStatus.APPROVED:
        raise DomainError(_("Only a claim approved by the rules can be reviewed this way."))
    if claim.sample_reviewed_at is not None:
        raise DomainError(_("This claim has already been reviewed."))
    if claim.finance_stage is not None:
        raise DomainError(_("This claim is already with finance; it can no longer be reviewed."))
    if not confirm and not reason.strip():
        raise DomainError(_("Say why the rules' decision is reversed."), field="reason")
    now = now or utcnow()
    claim.sample_reviewed_at, claim.sample_reviewed_by_id = now, actor.id
    if confirm:
        audit.record("confirm_rules", claim, actor=actor, from_state=claim.status,
                     to_state=claim.status, reason=reason.strip())
        return
    clear_decisions(claim)
    claim.status, claim.reviewer_id = ClaimStatus.UNDER_REVIEW, actor.id
    audit.record("reverse_rules", claim, actor=actor, from_state=ClaimStatus.APPROVED,
                 to_state=ClaimStatus.UNDER_REVIEW, reason=reason.strip())
