"""Who may do what with failure analytics, dealer scorecards and grade reviews."""

from portal.accounts.roles import HEAD_OFFICE_ROLES, Role
from portal.core.permissions import granted_to

# Failure analytics are head office's tool (a dealer reaching the page sees only its own data).
can_analyse_failures = granted_to(*HEAD_OFFICE_ROLES)
# Comparing dealers: the list of every scorecard and the grade reviews.
can_compare_dealers = granted_to(*HEAD_OFFICE_ROLES)
# Who records grade reviews at all; ``can_review_grade`` says for which dealer.
can_review_grades = granted_to(Role.SALES_REP, Role.CLERK, Role.ADMIN)


def can_review_grade(dealer, user) -> bool:
    """The dealer's own sales rep, a clerk or the administrator records a grade review."""
    if not can_review_grades(user):
        return False
    return user.role != Role.SALES_REP or dealer.sales_rep_id == user.id
