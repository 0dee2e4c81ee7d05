"""Who may do what with repair records and claims: each rule said once, asked by the routes,
the services, the templates and the API.

A predicate holds the state only where a control must be hidden for it; the services keep their
own state checks (each with its message) and ask the role and person parts named here.
"""

from portal.accounts.roles import DEALER_ROLES, Role
from portal.claims.models import OPEN_FOR_REVIEW, ClaimStatus
from portal.core.permissions import granted_to

# The dealer's own staff file and change its repair records.
can_file_claims = granted_to(*DEALER_ROLES)
# The technical department decides claims and reviews the rules' decisions.
can_decide_claims = granted_to(Role.TECHNICAL)
# Any reviewer may send a claim back to the dealer.
can_send_back_claims = granted_to(Role.TECHNICAL, Role.SALES_REP, Role.FINANCE)


def filed_by(claim, user) -> bool:
    """Whoever created or submitted a claim: they may not decide it (segregation of duties)."""
    return user.id in (claim.created_by_id, claim.submitted_by_id)


def can_file_claim(unit_or_claim, user) -> bool:
    """The unit's (or claim's) own dealer's staff."""
    return can_file_claims(user) and user.dealer_id == unit_or_claim.dealer_id


def can_file_claim_from(entry, user) -> bool:
    """Only a service-register entry about the dealer's own work leads to its repair record."""
    return can_file_claims(user) and user.dealer_id in (entry.dealer_id,
                                                         entry.received_by_dealer_id)


def can_edit_claim(claim, user) -> bool:
    """The dealer's staff change the claim while it is a draft."""
    return can_file_claim(claim, user) and claim.status == ClaimStatus.DRAFT


def can_decide_claim(claim, user) -> bool:
    """The technical department decides a claim waiting for review, unless it filed it."""
    return (can_decide_claims(user) and not filed_by(claim, user)
            and claim.status in OPEN_FOR_REVIEW)


def can_start_review(claim, user) -> bool:
    """A decider takes a submitted claim for review."""
    return can_decide_claim(claim, user) and claim.status == ClaimStatus.SUBMITTED


def can_send_back_claim(claim, user) -> bool:
    """A reviewer sends back a claim waiting for review; a technician only one it may decide."""
    if not can_send_back_claims(user) or claim.status not in OPEN_FOR_REVIEW:
        return False
    return not can_decide_claims(user) or can_decide_claim(claim, user)


def can_review_sample(claim, user) -> bool:
    """A decider confirms or reverses a claim the rules approved, once."""
    return (can_decide_claims(user) and claim.decided_by_rules
            and claim.status == ClaimStatus.APPROVED and claim.sample_reviewed_at is None)
