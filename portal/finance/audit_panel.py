"""The finance track on the shared claim page: what templates/finance/_claim_finance.html needs.

claims.views builds the page and adds ``claim_finance(claim, forms)`` to its context (one of
its ``PANELS``, registered by finance.audit_views); the finance views re-render that page with
their forms (and errors) under the keys used here.
"""

from types import SimpleNamespace

from flask_login import current_user

from portal.claims.models import DECIDED, Claim, FinanceStage
from portal.core.db import shanghai_today
from portal.finance.access import can_audit_costs, can_forward_claim
from portal.finance.audit import AUDITED, audited_lines, finance_readiness
from portal.finance.audit_forms import AuditForm, ForwardForm, ReopenForm, ReturnForm


def claim_finance(claim: Claim, forms: dict) -> dict:
    """The finance panel of ``claim`` for the signed-in user, or ``fin=None`` before it matters."""
    if claim.filed_by_head_office or (claim.status not in DECIDED
                                      and claim.finance_stage is None):
        return {"fin": None}  # head office's own repair: the maker's cost, no finance track
    today = shanghai_today()
    finance = can_audit_costs(current_user)
    auditing = finance and claim.finance_stage == FinanceStage.FORWARDED
    version = {"version": claim.version}
    return {"fin": SimpleNamespace(
        reasons=finance_readiness(claim, today) if claim.finance_stage is None else [],
        forwarding=claim.finance_stage is None and can_forward_claim(claim, current_user),
        auditing=auditing,
        reopening=finance and claim.finance_stage in AUDITED and claim.notice_id is None,
        lines=audited_lines(claim, today) if auditing else [],
        forward_form=forms.get("forward") or ForwardForm(**version),
        return_form=forms.get("return_technical") or ReturnForm(**version),
        audit_form=forms.get("finance_audit") or AuditForm(**version),
        reopen_form=forms.get("reopen_audit") or ReopenForm(**version),
        entered=forms.get("audit_values") or {},  # what finance typed, shown again on refusal
        line_errors=forms.get("audit_errors") or {},
    )}
