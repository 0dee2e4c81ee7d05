"""Receiving return shipments: the clerk's list of what is on its way, the receiving page with
its scan field, and the read-only receipt report the dealer sees."""

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal.accounts.roles import signed_in
from portal.core.actions import see_other
from portal.core.db import shanghai_today, utcnow
from portal.core.forms import attempt
from portal.core.htmx import render, wants_fragment
from portal.core.pagination import queue_page
from portal.core.permissions import requires
from portal.dealers.models import Dealer
from portal.dealers.scope import scope
from portal.extensions import db
from portal.returns import access
from portal.returns import receipt as services
from portal.returns.models import Receipt, ReturnShipment, ShipmentLine
from portal.returns.queues import RECEIVE
from portal.returns.receipt_forms import MarkForm, ScanForm, ShipmentForm
from portal.returns.views import bp

receivers = requires(access.can_receive_parts)


def _shipment(shipment_id: int, user=None) -> ReturnShipment:
    """The shipment with its lines, parts, claims and units; 404 outside the user's dealers."""
    stmt = scope(sa.select(ReturnShipment).where(ReturnShipment.id == shipment_id),
                 ReturnShipment.dealer_id, user)
    return db.first_or_404(stmt.options(*services.line_options()))


@bp.route("/receiving")
@receivers
def incoming():
    """Shipments on their way or being received, oldest first; search by number, waybill,
    dealer."""
    q = request.args.get("q", "").strip()
    stmt = services.searched(RECEIVE.select(current_user, utcnow()), q).options(  # one statement
        joinedload(ReturnShipment.dealer).load_only(Dealer.code, Dealer.name))
    page = queue_page(stmt, RECEIVE)
    return render("returns/receipt_list.html", "returns/_receipt_rows.html", page=page, q=q,
                  tallies=services.line_tallies([s.id for s in page.items]))


def _page(shipment: ReturnShipment, message=None, status: int = 200):
    """The receiving page, or for htmx only its panel (message, counts, lines)."""
    return render("returns/receipt.html", "returns/_receipt_panel.html", status=status,
                  shipment=shipment, message=message, counts=services.counts(shipment),
                  scan_form=ScanForm(formdata=None))


@bp.route("/receiving/<id:shipment_id>")
@receivers
def receive(shipment_id):
    """Receive a shipment: scan labels or pick parts from the list, then reconcile."""
    return _page(_shipment(shipment_id))


def _answer(shipment, ok: bool, message: str):
    """htmx: the panel with the message (422 when refused); otherwise flash and redirect."""
    if wants_fragment():
        db.session.expire_all()
        return _page(_shipment(shipment.id), ("success" if ok else "error", message),
                     status=200 if ok else 422)
    flash(message, "success" if ok else "error")
    return redirect(url_for("returns.receive", shipment_id=shipment.id), 303)


def _run(form, action):
    """Validate the form, then run the service as the request's transaction."""
    return attempt(form, action) if form.validate_on_submit() else (False, None)


def _step(shipment, form, action, said):
    """Run one receiving step as the request's transaction; answer with what ``said(result)``
    says it did, or with why it was refused."""
    ok, result = _run(form, action)
    return _answer(shipment, ok, said(result) if ok else _refusal(form))


def _refusal(form) -> str:
    errors = [*form.form_errors, *(e for f in form for e in f.errors)]
    return " ".join(str(e) for e in errors) or _("The form expired. Please submit it again.")


@bp.route("/receiving/<id:shipment_id>/scan", methods=["POST"])
@receivers
def scan(shipment_id):
    """A scanned label: the part is received."""
    shipment = _shipment(shipment_id)
    form = ScanForm()
    return _step(shipment, form, lambda: services.receive_scan(
        shipment, form.code.data or "", actor=current_user, now=utcnow(),
        today=shanghai_today()), _scanned)


def _scanned(result) -> str:
    part = services.describe(result.line.owed_part)
    if result.changed:
        return _("Received: %(part)s", part=part)
    return _("Already recorded as “%(state)s”: %(part)s", state=result.line.receipt.title,
             part=part)


@bp.route("/receiving/lines/<id:shipment_line_id>", methods=["POST"])
@receivers
def mark_line(shipment_line_id):
    """Record one part, picked from the list, as received, missing or damaged."""
    line = db.session.get(ShipmentLine, shipment_line_id) or abort(404)
    form = MarkForm()
    receipt = form.chosen()
    if receipt is None:
        return _answer(line.shipment, False, _("Record the part as received, missing or "
                                               "damaged."))
    return _step(line.shipment, form, lambda: services.mark(
        line, receipt, actor=current_user, now=utcnow(), today=shanghai_today(),
        note=form.note.data or "", was=form.seen()),
        lambda _changed: _("%(state)s: %(part)s", state=receipt.title,
                           part=services.describe(line.owed_part)))


@bp.route("/receiving/<id:shipment_id>/missing", methods=["POST"])
@receivers
def mark_rest_missing(shipment_id):
    """Record every part not yet checked as missing (a deliberate step, confirmed first)."""
    shipment = _shipment(shipment_id)
    form = ShipmentForm()
    return _step(shipment, form, lambda: services.mark_unchecked_missing(
        shipment, actor=current_user, now=utcnow(), today=shanghai_today(),
        version=form.seen_version), lambda n: _("%(n)d part(s) recorded as missing.", n=n))


@bp.route("/receiving/<id:shipment_id>/reconcile", methods=["POST"])
@receivers
def reconcile(shipment_id):
    """Close the shipment's receipt once every part is checked."""
    shipment = _shipment(shipment_id)
    form = ShipmentForm()
    ok, tally = _run(form, lambda: services.reconcile(
        shipment, actor=current_user, now=utcnow(), version=form.seen_version))
    if not ok:
        return _answer(shipment, False, _refusal(form))
    flash(_("Shipment %(number)s reconciled: %(received)d received, %(missing)d missing, "
            "%(damaged)d damaged.", number=shipment.number, received=tally[Receipt.RECEIVED],
            missing=tally[Receipt.MISSING], damaged=tally[Receipt.DAMAGED]), "success")
    return see_other(url_for("returns.incoming"))


@bp.route("/shipments/<id:shipment_id>/receipt")
@signed_in
def receipt_summary(shipment_id):
    """What head office found in a shipment, part by part (the dealer sees its own)."""
    shipment = _shipment(shipment_id, current_user)
    return render("returns/receipt_summary.html", "returns/_receipt_summary.html",
                  shipment=shipment)
