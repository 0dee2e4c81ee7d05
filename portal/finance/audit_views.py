"""The finance track's pages: the queues, and the forms on the claim page (forward, return to
the technical department, audit, reopen). Success redirects to the claim; a refusal re-renders
the claim page with the message next to the field, status 422."""


from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from portal.claims.models import Claim
from portal.claims.scope import get_claim
from portal.claims.search import searched_claims
from portal.claims.views import PANELS, line_errors, on_claim
from portal.core.actions import form_action
from portal.core.db import shanghai_today, utcnow
from portal.core.forms import typed_amount
from portal.core.htmx import render
from portal.core.pagination import request_page
from portal.core.permissions import requires
from portal.core.queues import day_of
from portal.finance import access
from portal.finance.audit import (
    audit_claim,
    forward_claim,
    readiness_of,
    reopen_audit,
    return_to_technical,
)
from portal.finance.audit_forms import AuditForm, ForwardForm, ReopenForm, ReturnForm
from portal.finance.audit_panel import claim_finance
from portal.finance.audit_queues import QUEUES, queue_rows, queue_select, queues_for
from portal.finance.views import bp

rep_only = requires(access.can_forward_claims)
finance_only = requires(access.can_audit_costs)
PANELS.append(claim_finance)  # the finance track on the claim page


@bp.route("/claims")
@requires(access.can_see_cost_audit)
def claims():
    """Claims to forward and forwarded (sales rep), to audit and audited (finance)."""
    tabs, now = queues_for(current_user), utcnow()
    today = day_of(now)
    queue = request.args.get("queue", "")
    queue = queue if queue in tabs else tabs[0]
    wanted = {"queue": queue, "dealer": request.args.get("dealer", "").strip().upper(),
              "ready": "1" if queue == "forward" and request.args.get("ready") == "1" else "",
              "q": request.args.get("q", "").strip()}
    stmt = searched_claims(queue_select(queue, current_user, now, dealer=wanted["dealer"],
                                        ready=bool(wanted["ready"])), wanted["q"])
    _may_see, sort_col, descending = QUEUES[queue]
    page = request_page(queue_rows(stmt), sort_col, Claim.id, descending=descending, rows=True)
    readiness = readiness_of(page.items, today) if queue == "forward" else {}
    return render("finance/claims.html", "finance/_claim_rows.html", page=page, tabs=tabs,
                  wanted=wanted, readiness=readiness)


@bp.route("/claims/<id:claim_id>/forward", methods=["POST"])
@rep_only
def forward(claim_id):
    """Forward a decided claim of one of the rep's dealers to finance."""
    claim = get_claim(claim_id, current_user)
    form = ForwardForm()
    return form_action(form, lambda: forward_claim(
        claim, actor=current_user, today=shanghai_today(), version=form.seen_version),
        success=_("Forwarded to finance."), **on_claim(claim, "forward"))


@bp.route("/claims/<id:claim_id>/return", methods=["POST"])
@rep_only
def send_to_technical(claim_id):
    """Send a decided claim back to the technical department, with the reason."""
    claim = get_claim(claim_id, current_user)
    form = ReturnForm()
    return form_action(form, lambda: return_to_technical(
        claim, form.reason.data or "", actor=current_user, version=form.seen_version),
        success=_("Returned to the technical department."),
        **on_claim(claim, "return_technical"))


def _amounts(claim) -> dict:
    wanted = {}
    for line in claim.lines:
        wanted[line.id] = {"amount": typed_amount(f"amount-{line.id}"),
                           "note": request.form.get(f"note-{line.id}", "")}
    return wanted


@bp.route("/claims/<id:claim_id>/audit", methods=["POST"])
@finance_only
def audit(claim_id):
    """Audit the claim's cost line by line, then approve it or reject it with the reason."""
    claim = get_claim(claim_id, current_user)
    form = AuditForm()
    wanted = _amounts(claim)
    approve = request.form.get("approve") == "1"
    return form_action(
        form, lambda: audit_claim(claim, wanted, actor=current_user, approve=approve,
                                  reason=form.reason.data or "", version=form.seen_version),
        success=lambda stage: _("Audited: %(stage)s, ¥%(total)s.", stage=stage.title,
                                total=claim.total_finance),
        **on_claim(claim, "finance_audit", audit_values=lambda _f: wanted,
                   audit_errors=line_errors))


@bp.route("/claims/<id:claim_id>/reopen", methods=["POST"])
@finance_only
def reopen(claim_id):
    """Take back the audit of a claim that is in no notice, to audit it again."""
    claim = get_claim(claim_id, current_user)
    form = ReopenForm()
    return form_action(form, lambda: reopen_audit(
        claim, form.reason.data or "", actor=current_user, version=form.seen_version),
        success=_("The audit is reopened."), **on_claim(claim, "reopen_audit"))
