"""Who may do what with repair records and claims: each rule said once, asked by the routes,
the services, the templates and the API.

A predicate holds the state only where a control must be hidden for it; the services keep their
own state checks (each with its message) and ask the role and person parts named here.
"""

from portal.accounts.roles import DEALER_ROLES, Role
from portal.claims.models import OPEN_FOR_REVIEW, Claim, ClaimStatus
from portal.core.permissions import any_of, granted_to
from portal.dealers.scope import visible_dealer_ids

# The dealer's own staff file and change its repair records.
can_file_claims = granted_to(*DEALER_ROLES)
# Head office repairs the unusual failures itself: the technical department (any unit) and the
# sales rep (its dealers' units) file those 三包维修记录 too (seed 003, 篇十五); the seller still
# answers to the buyer (2010 regulation 第四条), so the record keeps the unit's dealer.
can_file_head_office_claims = granted_to(Role.TECHNICAL, Role.SALES_REP)
# Whoever fills in a repair record of either kind: the routes of the record's form.
can_fill_claims = any_of(can_file_claims, can_file_head_office_claims)
# The technical department decides claims and reviews the rules' decisions.
can_decide_claims = granted_to(Role.TECHNICAL)
# Any reviewer may send a claim back to the dealer.
can_send_back_claims = granted_to(Role.TECHNICAL, Role.SALES_REP, Role.FINANCE)


def filed_by(claim, user) -> bool:
    """Whoever created or submitted a claim: they may not decide it (segregation of duties)."""
    return user.id in (claim.created_by_id, claim.submitted_by_id)


def files_for_dealer(dealer_id: int | None, user) -> bool:
    """The dealer's own staff."""
    return can_file_claims(user) and dealer_id is not None and user.dealer_id == dealer_id


def files_for_head_office(dealer_id: int | None, user) -> bool:
    """The technical department for any dealer's unit, a sales rep for its dealers' units (a
    unit still in factory stock has had no buyer to repair it for)."""
    if not can_file_head_office_claims(user) or dealer_id is None:
        return False
    seen = visible_dealer_ids(user)
    return seen is None or dealer_id in seen


def can_file_claim(unit_or_claim, user) -> bool:
    """A unit: its dealer's staff, or head office within its scope. A claim: the side that
    filed it (a dealer never changes head office's record, nor head office a dealer's)."""
    if isinstance(unit_or_claim, Claim):
        side = files_for_head_office if unit_or_claim.filed_by_head_office else files_for_dealer
        return side(unit_or_claim.dealer_id, user)
    return (files_for_dealer(unit_or_claim.dealer_id, user)
            or files_for_head_office(unit_or_claim.dealer_id, user))


def can_file_claim_from(entry, user) -> bool:
    """Only a service-register entry about the filer's own work leads to its repair record: the
    dealer's, or one routed to the technical department or to this sales rep."""
    if can_file_claims(user):
        return user.dealer_id in (entry.dealer_id, entry.received_by_dealer_id)
    if not can_file_head_office_claims(user) or entry.assignee is None:
        return False
    routed_to_role = entry.assignee.value == user.role.value  # an Assignee is named as its role
    return routed_to_role and (user.role == Role.TECHNICAL or entry.assigned_user_id == user.id)


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
    """A reviewer sends back a claim waiting for review; a technician only one it may decide;
    nobody a record they filed themselves (a rep's own head-office record)."""
    if not can_send_back_claims(user) or claim.status not in OPEN_FOR_REVIEW:
        return False
    if filed_by(claim, user):
        return False
    return not can_decide_claims(user) or can_decide_claim(claim, user)


def can_review_sample(claim, user) -> bool:
    """A decider confirms or reverses a claim the rules approved, once."""
    return (can_decide_claims(user) and claim.decided_by_rules
            and claim.status == ClaimStatus.APPROVED and claim.sample_reviewed_at is None)
