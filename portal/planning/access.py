"""Who may do what with stocking plans: the dealer drafts and submits its plan; its own sales
rep, a clerk or the administrator approves it or sends it back."""

from portal.accounts.roles import DEALER_ROLES, Role
from portal.core.permissions import granted_to
from portal.planning.models import PlanStatus

can_draft_plans = granted_to(*DEALER_ROLES)
can_review_plans = granted_to(Role.SALES_REP, Role.CLERK, Role.ADMIN)


def can_plan_for(dealer_id: int, user) -> bool:
    """The dealer's own users open, change and submit its plans."""
    return can_draft_plans(user) and user.dealer_id == dealer_id


def can_review_plans_of(dealer, user) -> bool:
    """The dealer's own rep (not another rep), a clerk or the administrator."""
    if not can_review_plans(user):
        return False
    return user.role != Role.SALES_REP or dealer.sales_rep_id == user.id


def can_edit_plan(plan, user) -> bool:
    """The dealer's users change a plan while it is a draft."""
    return can_plan_for(plan.dealer_id, user) and plan.status == PlanStatus.DRAFT


def can_review_plan(plan, user) -> bool:
    """A reviewer of the dealer approves or sends back a submitted plan."""
    return can_review_plans_of(plan.dealer, user) and plan.status == PlanStatus.SUBMITTED
