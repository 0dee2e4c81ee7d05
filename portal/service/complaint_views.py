"""Complaints: list, record, and the moves from open to archived.

The clerk and administrators record and handle complaints; the technical department reads
them all, a sales rep those of their dealers, and a dealer those linked to it, read-only and
without the internal escalation note.
"""


from flask import request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.accounts.access import can_read_history
from portal.core import audit
from portal.core.actions import form_action
from portal.core.db import SHANGHAI, utcnow
from portal.core.htmx import render
from portal.core.pagination import list_page, list_select
from portal.core.permissions import requires
from portal.core.queues import requested
from portal.service import access
from portal.service import complaints as services
from portal.service.followup_forms import ComplaintForm, ComplaintMoveForm
from portal.service.followup_scope import get_complaint, visible_complaints
from portal.service.followup_views import bp, handlers_only
from portal.service.models import Channel, Complaint, ComplaintStatus
from portal.units.search import searched

readers = requires(access.can_read_complaints)
# action: (service, message on success, what its note is)
ACTIONS = {
    "escalate": (services.escalate_complaint, _l("Escalated to management."),
                 _l("Why it needs management")),
    "resolve": (services.resolve_complaint, _l("Complaint resolved."),
                _l("How it was resolved (the customer is told this)")),
    "archive": (services.archive_complaint, _l("Complaint archived."), _l("Note (optional)")),
    "reopen": (services.reopen_complaint, _l("Complaint reopened."),
               _l("Why the complaint is reopened")),
}


@bp.route("/complaints")
@readers
def complaints():
    """List complaints, newest first, by status; those open, oldest first. Found by number,
    the unit's serial or the dealer (``portal.units.search``)."""
    status, queue = ComplaintStatus.parse(request.args.get("status")), requested()
    stmt = list_select(queue, visible_complaints, current_user, utcnow()).options(
        selectinload(Complaint.dealer), selectinload(Complaint.unit), selectinload(Complaint.claim))
    if status:
        stmt = stmt.where(Complaint.status == status)
    stmt = searched(stmt, request.args.get("q", ""), Complaint.number, Complaint.unit_id,
                    Complaint.dealer_id)
    page = list_page(stmt, queue, Complaint.received_at, Complaint.id)
    return render("followup/complaints.html", "followup/_complaint_rows.html", page=page,
                  status_filter=status, statuses=ComplaintStatus)


def _values(form: ComplaintForm) -> dict:
    received = form.received_at.data.replace(tzinfo=SHANGHAI)
    text = ("customer_name", "customer_phone", "description", "dealer_code", "unit_serial",
            "claim_number")
    return {"channel": Channel(form.channel.data), "received_at": received,
            **{k: getattr(form, k).data or "" for k in text}}


@bp.route("/complaints/new", methods=["GET", "POST"])
@handlers_only
def new_complaint():
    """Record a complaint as it comes in."""
    form = ComplaintForm()
    if request.method == "GET":
        form.received_at.data = utcnow().astimezone(SHANGHAI).replace(second=0, microsecond=0,
                                                                      tzinfo=None)
        form.claim_number.data = request.args.get("claim", "")[:20]
    return form_action(
        form, lambda: services.register_complaint(_values(form), actor=current_user,
                                                  now=utcnow()),
        success=lambda complaint: _("Complaint %(number)s recorded.", number=complaint.number),
        done=lambda complaint: url_for("followup.complaint", complaint_id=complaint.id),
        leave=True, again=lambda form: render("followup/complaint_form.html", form=form))


@bp.route("/complaints/<id:complaint_id>")
@readers
def complaint(complaint_id):
    """Show a complaint, what it is linked to, and the moves it allows."""
    return _complaint_page(get_complaint(complaint_id, current_user))


def _complaint_page(complaint, failed: str | None = None,
                    form: ComplaintMoveForm | None = None):
    forms = {a: (form if a == failed else ComplaintMoveForm(formdata=None, prefix=a,
                                                            version=complaint.version))
             for a in services.allowed_actions(complaint)}
    for action, note_form in forms.items():
        note_form.note.label.text = str(ACTIONS[action][2])
    # A move the complaint no longer allows (another clerk was quicker): say why up top.
    refused = form.form_errors if form is not None and failed not in forms else []
    handler = access.can_handle_followup(current_user)
    return render("followup/complaint.html", status=422 if failed else 200,
                  complaint=complaint, forms=forms if handler else {}, refused=refused,
                  history=audit.history(complaint) if can_read_history(current_user) else [])


def _move(complaint_id: int, action: str):
    """One of the complaint's moves (ACTIONS) from its note form, answered by form_action."""
    complaint = get_complaint(complaint_id, current_user)
    form = ComplaintMoveForm(prefix=action)
    move, message, _note = ACTIONS[action]
    kwargs = {"actor": current_user, "version": form.seen_version}
    if action != "reopen":
        kwargs["now"] = utcnow()
    return form_action(form, lambda: move(complaint, form.note.data or "", **kwargs),
                       success=message, leave=True,
                       done=url_for("followup.complaint", complaint_id=complaint.id),
                       again=lambda form: _complaint_page(complaint, failed=action, form=form))


@bp.route("/complaints/<id:complaint_id>/escalate", methods=["POST"])
@handlers_only
def escalate_complaint(complaint_id):
    """Pass a complaint to management with a note."""
    return _move(complaint_id, "escalate")


@bp.route("/complaints/<id:complaint_id>/resolve", methods=["POST"])
@handlers_only
def resolve_complaint(complaint_id):
    """Record how a complaint was resolved."""
    return _move(complaint_id, "resolve")


@bp.route("/complaints/<id:complaint_id>/archive", methods=["POST"])
@handlers_only
def archive_complaint(complaint_id):
    """Archive a resolved complaint."""
    return _move(complaint_id, "archive")


@bp.route("/complaints/<id:complaint_id>/reopen", methods=["POST"])
@handlers_only
def reopen_complaint(complaint_id):
    """Reopen a resolved complaint the customer is still unhappy with."""
    return _move(complaint_id, "reopen")

