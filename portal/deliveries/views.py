"""Delivery notes: head office records a shipment, the dealer confirms receipt, the rep chases
the notes nobody confirmed. Dealers see their own notes, reps their dealers', head office all."""


from flask import (
    Blueprint,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.accounts.roles import signed_in
from portal.core import audit
from portal.core.actions import form_action
from portal.core.db import shanghai_today, utcnow
from portal.core.downloads import download
from portal.core.htmx import render
from portal.core.pagination import list_page, list_select
from portal.core.permissions import requires
from portal.core.queues import requested
from portal.dealers.pickers import dealer_filter
from portal.deliveries import access, documents, services
from portal.deliveries.forms import confirm_form
from portal.deliveries.models import DeliveryNote, DeliveryStatus
from portal.deliveries.queues import OVERDUE
from portal.deliveries.scope import get_note, visible_notes
from portal.deliveries.search import searched_notes

bp = Blueprint("deliveries", __name__, url_prefix="/deliveries")

shippers_only = requires(access.can_ship_deliveries)
dealers_only = requires(access.can_confirm_deliveries)


@bp.route("/")
@signed_in
def index():
    """Delivery notes, newest first; ?overdue=1 lists the unconfirmed ones to chase, oldest
    first; found by number, dealer or the serial of a unit on the note."""
    wanted = request.args.get("status", "")
    wanted = wanted if wanted in {s.value for s in DeliveryStatus} else ""
    overdue = request.args.get("overdue") == "1"
    dealer_id, picker = dealer_filter(current_user, request.args)
    now, today = utcnow(), shanghai_today()
    queue = requested(OVERDUE if overdue else None)
    stmt = list_select(queue, visible_notes, current_user, now).options(
        selectinload(DeliveryNote.dealer), selectinload(DeliveryNote.lines))
    if wanted:
        stmt = stmt.where(DeliveryNote.status == wanted)
    if dealer_id:
        stmt = stmt.where(DeliveryNote.dealer_id == dealer_id)
    stmt = searched_notes(stmt, request.args.get("q", ""))
    page = list_page(stmt, queue, DeliveryNote.shipped_on, DeliveryNote.id)
    return render("deliveries/index.html", "deliveries/_rows.html", page=page, wanted=wanted,
                  overdue=overdue, statuses=DeliveryStatus, dealer_id=dealer_id,
                  picker=picker, cutoff=services.overdue_cutoff(today))


def _detail(note, form=None, status: int = 200):
    if form is None and access.can_confirm_delivery(note, current_user):
        form = confirm_form(note)
    return render("deliveries/detail.html", status=status, note=note, form=form,
                  line_amount=services.amount, total=services.total(note),
                  overdue=note.status == DeliveryStatus.SHIPPED
                  and note.shipped_on < services.overdue_cutoff(shanghai_today()),
                  history=audit.history(note))


@bp.route("/<id:note_id>")
@signed_in
def detail(note_id):
    """A delivery note: its lines, what arrived, who confirmed it when."""
    return _detail(get_note(note_id, current_user))


@bp.route("/<id:note_id>/confirm", methods=["POST"])
@dealers_only
def confirm(note_id):
    """The dealer confirms receipt: what arrived of each line, and a remark on differences."""
    note = get_note(note_id, current_user)
    form = confirm_form(note)
    return form_action(form, lambda: services.confirm_receipt(
        note, {line.id: form[f"received_{line.id}"].data for line in note.lines},
        form.remark.data or "", actor=current_user, version=form.seen_version),
        success=_("Receipt of delivery note %(number)s confirmed.", number=note.number),
        done=url_for("deliveries.detail", note_id=note.id),
        # a rollback expired the note: load it again
        again=lambda form: _detail(get_note(note_id, current_user), form=form))


@bp.route("/<id:note_id>/note.pdf")
@signed_in
def note_pdf(note_id):
    """The delivery note to print (A4)."""
    note = get_note(note_id, current_user)
    return download(documents.note_pdf(note), f"{note.number}.pdf", attachment=False)
