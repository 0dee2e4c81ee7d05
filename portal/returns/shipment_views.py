"""The dealer's old parts to ship, its shipments, their packing lists and QR labels.

Head office and the sales reps see the same lists for the dealers they may see. The clerk's
receiving of a shipment lives in receipt_views.py; the shipment page leaves it a place.
"""


from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.accounts.roles import signed_in
from portal.core import audit
from portal.core.actions import back_with_errors, form_action
from portal.core.db import shanghai_today
from portal.core.downloads import download
from portal.core.htmx import render, wants_fragment
from portal.core.pagination import request_page
from portal.core.permissions import requires
from portal.dealers.pickers import dealer_filter
from portal.returns import access, documents, shipments
from portal.returns.models import (
    STILL_OWED,
    OwedPart,
    OwedStatus,
    ReturnShipment,
    ShipmentLine,
    ShipmentStatus,
)
from portal.returns.scope import (
    get_shipment,
    owed_list_rows,
    shipment_rows,
    shipment_tally,
    visible_owed_parts,
    visible_shipments,
)
from portal.returns.shipment_forms import CancelShipmentForm, ShipmentForm
from portal.returns.views import bp

dealers_only = requires(access.can_ship_parts)
OWED_FILTERS = ("", "overdue", "all", *(s.value for s in OwedStatus))



def _owed_stmt(wanted: str, dealer_id: int | None, today):
    stmt = visible_owed_parts(current_user)
    if wanted in ("", "overdue"):
        stmt = stmt.where(OwedPart.status.in_(STILL_OWED))
    if wanted == "overdue":
        stmt = stmt.where(OwedPart.due_on < today)
    elif wanted not in ("", "all"):
        stmt = stmt.where(OwedPart.status == wanted)
    if dealer_id:
        stmt = stmt.where(OwedPart.dealer_id == dealer_id)
    return stmt


def _owed_page(form=None, status: int = 200):
    wanted = request.args.get("status", "")
    wanted = wanted if wanted in OWED_FILTERS else ""
    dealer_id, picker = dealer_filter(current_user, request.args)
    today = shanghai_today()
    page = request_page(owed_list_rows(_owed_stmt(wanted, dealer_id, today)), OwedPart.due_on,
                        OwedPart.id, rows=True)
    shipping = access.can_ship_parts(current_user)
    if shipping and form is None:
        form = ShipmentForm(shipped_on=today)
    return render("returns/owed.html", "returns/_owed_rows.html", status=status, page=page,
                  today=today,
                  wanted=wanted, dealer_id=dealer_id, picker=picker, form=form,
                  shipping=shipping, statuses=OwedStatus, still_owed=STILL_OWED)


@bp.route("/owed")
@signed_in
def owed():
    """The old parts owed, due date first: the dealer's to-do list, head office's chase list."""
    return _owed_page()


@bp.route("/shipments/new", methods=["POST"])
@dealers_only
def new_shipment():
    """Ship the ticked parts: method, waybill and date; then print the papers."""
    form = ShipmentForm()
    return form_action(form, lambda: shipments.create_shipment(
        current_user.dealer, form.owed_parts.data, method=form.method.data,
        waybill=form.waybill.data or "", shipped_on=form.shipped_on.data,
        actor=current_user, today=shanghai_today()),
        success=lambda shipment: _("Shipment %(number)s recorded: print its packing list and a "
                                   "label for each part.", number=shipment.number),
        done=lambda shipment: url_for("returns.shipment", shipment_id=shipment.id),
        again=lambda form: _owed_page(form=form))


@bp.route("/shipments")
@signed_in
def shipments_index():
    """Return shipments, newest first: a dealer's own, a rep's dealers', all for head office."""
    wanted = request.args.get("status", "")
    wanted = wanted if wanted in ShipmentStatus.__members__.values() else ""
    dealer_id, picker = dealer_filter(current_user, request.args)
    stmt = visible_shipments(current_user).options(selectinload(ReturnShipment.dealer),
                                                   selectinload(ReturnShipment.lines))
    if wanted:
        stmt = stmt.where(ReturnShipment.status == wanted)
    if dealer_id:
        stmt = stmt.where(ReturnShipment.dealer_id == dealer_id)
    page = request_page(stmt, ReturnShipment.id, ReturnShipment.id, descending=True)
    return render("returns/shipments.html", "returns/_shipment_rows.html", page=page,
                  wanted=wanted, statuses=ShipmentStatus, dealer_id=dealer_id, picker=picker)


@bp.route("/shipments/<id:shipment_id>")
@signed_in
def shipment(shipment_id):
    """A shipment: its parts a page at a time (its "Show more" asks for the next rows only),
    what arrived of each, and the discrepancies."""
    shipment = get_shipment(shipment_id, current_user, lines=False)
    line_page = request_page(shipment_rows().where(ShipmentLine.shipment_id == shipment.id),
                             ShipmentLine.id, ShipmentLine.id, rows=True)
    if wants_fragment() and request.args.get("after"):
        return render("returns/_shipment_line_rows.html", shipment=shipment, line_page=line_page)
    whole = line_page.next_cursor is None and not request.args.get("after")
    tally = shipment_tally(shipment.id, line_page.items if whole else None)
    return render("returns/shipment.html", shipment=shipment, line_page=line_page, tally=tally,
                  history=audit.history(shipment),
                  cancel_form=CancelShipmentForm()
                  if access.can_cancel_shipment(shipment, current_user, tally.checked) else None)


@bp.route("/shipments/<id:shipment_id>/cancel", methods=["POST"])
@dealers_only
def cancel_shipment(shipment_id):
    """Take back a shipment that has not left (nothing of it received): its parts are owed."""
    shipment = get_shipment(shipment_id, current_user)
    form = CancelShipmentForm()
    return form_action(form, lambda: shipments.cancel_shipment(
        shipment, actor=current_user, reason=form.reason.data or ""),
        success=_("Shipment %(number)s cancelled; its parts are to ship again.",
                  number=shipment.number), done=url_for("returns.owed"),
        again=back_with_errors(url_for("returns.shipment", shipment_id=shipment_id)))


@bp.route("/shipments/<id:shipment_id>/packing-list.pdf")
@signed_in
def packing_list(shipment_id):
    """The packing list to put in the box (A4)."""
    shipment = get_shipment(shipment_id, current_user)
    return download(documents.packing_list_pdf(shipment), f"{shipment.number}-packing-list.pdf",
                    attachment=False)


@bp.route("/shipments/<id:shipment_id>/labels.pdf")
@signed_in
def labels(shipment_id):
    """One QR label per part: ?layout=a4 (3 × 8 sheet) or ?layout=thermal (60 × 40 mm)."""
    shipment = get_shipment(shipment_id, current_user)
    layout = request.args.get("layout", "a4")
    if layout not in documents.LAYOUTS:
        abort(400, description=_("Choose the A4 sheet or the thermal labels."))
    return download(documents.labels_pdf(shipment, layout),
                    f"{shipment.number}-labels-{layout}.pdf", attachment=False)
