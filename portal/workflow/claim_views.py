"""The claim page's actions that span domains, on the ``claims`` blueprint (endpoints unchanged):
opening a record from a service-register entry, and the transitions of
``portal.workflow.claims`` (submit, remove a line, decide, send back, review a sample).
"""


from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.claims import access, services
from portal.claims.forms import DecisionForm, OptionalReasonForm, ReasonForm
from portal.claims.models import ClaimStatus, Decision, RejectCode
from portal.claims.scope import get_claim
from portal.claims.views import (
    PANELS,
    bp,
    filers,
    header_form,
    header_values,
    line_errors,
    on_claim,
    reviewers,
    technical_only,
)
from portal.core.actions import form_action
from portal.core.converters import record_id
from portal.core.db import shanghai_today
from portal.core.forms import typed_amount
from portal.core.htmx import render
from portal.extensions import db
from portal.returns.owed import line_returns
from portal.service.models import ServiceRequest
from portal.units.scope import get_unit
from portal.workflow import claims as claim_workflow

PANELS.append(lambda claim, forms: {"returns": line_returns(claim, shanghai_today())})


@bp.route("/new/<id:unit_id>", methods=["GET", "POST"])
@filers
def new_claim(unit_id):
    """Open a repair record for a unit, directly or from a service-register entry."""
    unit = get_unit(unit_id, current_user)
    service_request = _service_request_arg(unit)
    form = header_form(unit=unit, formdata=request.form if request.method == "POST" else None)
    if request.method == "GET" and service_request is not None:
        form.description.data = service_request.description
    return form_action(
        form, lambda: services.create_claim(unit, header_values(form), actor=current_user,
                                            today=shanghai_today(),
                                            service_request=service_request),
        success=lambda claim: _("Repair record %(number)s opened: add its lines, photos and "
                                "the customer's signature.", number=claim.number),
        done=lambda claim: url_for("claims.detail", claim_id=claim.id),
        again=lambda form: render("claims/new.html", form=form, unit=unit,
                                  service_request=service_request))


def _service_request_arg(unit):
    request_id = request.args.get("service_request", type=record_id)
    if not request_id:
        return None
    entry = db.session.get(ServiceRequest, request_id)
    if entry is None or not access.can_file_claim_from(entry, current_user):
        abort(404)
    return entry


@bp.route("/<id:claim_id>/lines/<id:line_id>/remove", methods=["POST"])
@filers
def remove_line(claim_id, line_id):
    claim = get_claim(claim_id, current_user)
    form = OptionalReasonForm()
    return form_action(form, lambda: claim_workflow.remove_line(
        claim, line_id, actor=current_user, version=form.seen_version),
        **on_claim(claim, "line_action", section="lines", success=_("Cost removed.")))


@bp.route("/<id:claim_id>/submit", methods=["POST"])
@filers
def submit(claim_id):
    claim = get_claim(claim_id, current_user)
    form = OptionalReasonForm()

    def action():
        claim_workflow.submit(claim, actor=current_user, today=shanghai_today(),
                        version=form.seen_version)
        return claim.status

    return form_action(form, action, success=lambda status: (
        _("Submitted and approved by the rules for clean claims.")
        if status == ClaimStatus.APPROVED else _("Submitted to the technical department.")),
        **on_claim(claim, "submit"))


def _decisions(claim) -> dict:
    wanted = {}
    for line in claim.lines:
        amount = typed_amount(f"amount-{line.id}")
        decision = request.form.get(f"decision-{line.id}", "")
        if decision not in Decision.__members__.values():
            decision = ""
        code = request.form.get(f"code-{line.id}", "")
        wanted[line.id] = {
            "decision": decision, "amount": amount, "note": request.form.get(f"note-{line.id}"),
            "reject_code": code if code in RejectCode.__members__.values() else None}
    return wanted


@bp.route("/<id:claim_id>/decide", methods=["POST"])
@technical_only
def decide(claim_id):
    """Decide the claim line by line: approve, reduce with a reason, or reject with a code."""
    claim = get_claim(claim_id, current_user)
    form = DecisionForm()
    wanted = _decisions(claim)
    return form_action(
        form, lambda: claim_workflow.decide(claim, wanted, actor=current_user,
                                      version=form.seen_version),
        success=lambda status: _("Decided: %(status)s.", status=status.title),
        **on_claim(claim, "decision", decision_values=lambda _f: wanted, line_errors=line_errors))


@bp.route("/<id:claim_id>/send-back", methods=["POST"])
@reviewers
def send_back(claim_id):
    claim = get_claim(claim_id, current_user)
    form = ReasonForm()
    return form_action(form, lambda: claim_workflow.send_back(
        claim, form.reason.data or "", actor=current_user, version=form.seen_version),
        success=_("Sent back to the dealer."), **on_claim(claim, "send_back"))


@bp.route("/<id:claim_id>/sample", methods=["POST"])
@technical_only
def review_sample(claim_id):
    """Confirm or reverse a claim the rules approved, after the fact."""
    claim = get_claim(claim_id, current_user)
    form = OptionalReasonForm()
    confirm = request.form.get("confirm") == "1"
    return form_action(form, lambda: claim_workflow.review_sample(
        claim, actor=current_user, confirm=confirm, reason=form.reason.data or "",
        version=form.seen_version),
        success=_("The rules' decision stands.") if confirm
        else _("Reversed: decide it line by line."), **on_claim(claim, "sample"))
