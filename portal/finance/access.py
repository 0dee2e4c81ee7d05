"""Who may do what in finance: the cost audit, write-off notices and their runs, receivables
and the cost reports. Each rule said once, asked by the routes, the services and the templates."""

from portal.accounts.roles import DEALER_ROLES, Role
from portal.core.permissions import any_of, granted_to
from portal.finance.models import NoticeStatus

# The cost audit: the dealer's rep forwards, finance audits; the administrator follows both
# sides' lists without acting in them.
can_forward_claims = granted_to(Role.SALES_REP)
can_audit_costs = granted_to(Role.FINANCE)
can_oversee_cost_audit = granted_to(Role.ADMIN)
can_follow_forwarding = any_of(can_forward_claims, can_oversee_cost_audit)
can_follow_audits = any_of(can_audit_costs, can_oversee_cost_audit)
can_see_cost_audit = any_of(can_follow_forwarding, can_follow_audits)
# Write-off notices: finance issues, voids and reissues them; the dealer confirms or disputes.
# Who reads notices at all: the dealers they are for, their reps, finance and the administrator.
can_read_notices = granted_to(*DEALER_ROLES, Role.SALES_REP, Role.FINANCE, Role.ADMIN)
can_manage_notices = granted_to(Role.FINANCE)
can_answer_notices = granted_to(*DEALER_ROLES)
can_read_notice_runs = granted_to(Role.FINANCE, Role.ADMIN)
# Receivables and cost reports.
can_read_ledger = granted_to(Role.FINANCE, Role.ADMIN, Role.SALES_REP, *DEALER_ROLES)
can_import_ledger = granted_to(Role.ADMIN, Role.FINANCE)
# The ERP posts invoices and payments through an administrator's API token.
can_post_ledger_entries = granted_to(Role.ADMIN)
can_read_cost_reports = granted_to(Role.FINANCE, Role.ADMIN, Role.SALES_REP)


def can_forward_claim(claim, user) -> bool:
    """Only the rep who looks after the claim's dealer: the spot-check is theirs, and the
    administrator runs the portal, not the claims (a dealer without a rep needs one). Head
    office's own repair never enters the finance track: its cost is the maker's, so no audit,
    write-off notice or ledger entry of the dealer can take it (2010 regulation 第四条: the
    seller recovers from the producer what is the producer's; here the producer repaired)."""
    return (can_forward_claims(user) and not claim.filed_by_head_office
            and claim.dealer.sales_rep_id == user.id)


def handled_by(claim, user) -> bool:
    """Whoever filed or decided a claim: they may not audit its cost (segregation of duties)."""
    return user.id in (claim.created_by_id, claim.submitted_by_id, claim.decided_by_id,
                       claim.sample_reviewed_by_id)


def can_answer_notices_of(dealer_id: int, user) -> bool:
    """Only the dealer's own staff confirm or dispute its notices."""
    return can_answer_notices(user) and user.dealer_id == dealer_id


def can_confirm_notice(notice, user) -> bool:
    """The dealer's staff confirm (or dispute) a notice while it is issued."""
    return (can_answer_notices_of(notice.dealer_id, user)
            and notice.status == NoticeStatus.ISSUED)


def can_void_notice(notice, user) -> bool:
    """Finance voids an issued or disputed notice."""
    return can_manage_notices(user) and notice.status in (NoticeStatus.ISSUED,
                                                          NoticeStatus.DISPUTED)


# The settlement of an exchange or refund case is finance's audit of a cost, like a claim's:
# the same rule, said once. (Finance neither opens, decides nor completes cases, so the
# claims' segregation of duties holds by role.) The case's side of it, in a package above
# finance: ``portal/cases/finance.py``.
can_settle_cases = can_audit_costs

