"""Filing, excusing and transferring a unit's warranty card; its scan."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.roles import signed_in
from portal.catalog.models import PolicySettings
from portal.core import pending
from portal.core.actions import back_with_errors, form_action
from portal.core.db import shanghai_today
from portal.core.errors import DomainError
from portal.core.htmx import render
from portal.core.permissions import requires
from portal.core.uploads import send_upload, store
from portal.units import access
from portal.units import card_services as services
from portal.units.forms import CardForm, ExceptionForm, TransferForm
from portal.units.scope import get_unit
from portal.units.views import bp

card_keepers = requires(access.can_keep_cards)


def _values(form, fields) -> dict:
    return {k: (v.strip() if isinstance(v, str) else v)
            for k, v in ((k, getattr(form, k).data) for k in fields)}


def _chosen_scan(form):
    """The scan chosen now (stored at once, checked by content), else the one kept from an
    earlier try: a form that comes back with errors keeps it in ``scan_kept``."""
    if not form.scan.data:
        return pending.kept(form.scan_kept.data, "cards")
    try:
        stored = store(form.scan.data, folder="cards", allowed=services.SCAN_TYPES, field="scan")
    except DomainError as refusal:
        form.scan_refused = refusal.message
        return None
    form.scan_kept.data = pending.token_for(stored)
    return stored


def _rules(unit):
    """The card's rules on what the form read (``CardForm.validate`` shows them all at once)."""
    def problems(form) -> dict:
        found = services.sale_problems(
            unit, _values(form, services.CARD_FIELDS), actor=current_user,
            today=shanghai_today(), file="file" in request.form, received_on=form.received_on.data)
        if getattr(form, "scan_refused", None):
            found["scan"] = form.scan_refused
        return found
    return problems


def _save(unit, form, scan):
    return services.save_card(
        unit, _values(form, services.CARD_FIELDS), actor=current_user,
        today=shanghai_today(), file="file" in request.form,
        received_on=form.received_on.data, scan=scan)


def _form(card):
    """The form; a new sale starts on today's date for the sale and the invoice."""
    form = CardForm(obj=card)
    if card is None and request.method == "GET":
        form.sale_date.data = form.invoice_date.data = shanghai_today()
    return form


@bp.route("/<id:unit_id>/card", methods=["GET", "POST"])
@card_keepers
def edit_card(unit_id):
    """Record the sale of a unit, or file its warranty card, in one pass."""
    unit = get_unit(unit_id, current_user)
    card = unit.card
    if card is not None and card.status == "filed":
        flash(_("This unit already has a filed warranty card."), "info")
        return redirect(url_for("units.detail", unit_id=unit.id), 303)
    form = _form(card)
    scan = _chosen_scan(form) if request.method == "POST" else None
    form.rules = _rules(unit)
    return form_action(
        form, lambda: _save(unit, form, scan),
        success=lambda saved: _("Warranty card filed.") if saved.status == "filed"
        else _("Sale recorded; file the card before the deadline."),
        done=url_for("units.detail", unit_id=unit.id),
        again=lambda form: render("units/card_form.html", form=form, unit=unit, card=card,
                                  scan=scan, head_office=access.can_backdate_cards(current_user),
                                  policy_deadline=PolicySettings.current().card_deadline_days))


def _unit_with_card(unit_id: int):
    """The unit, if the user may see it and it has a card in force; 404 otherwise."""
    unit = get_unit(unit_id, current_user)
    if unit.card is None:
        abort(404)
    return unit


@bp.route("/<id:unit_id>/card/exception", methods=["POST"])
@requires(access.can_grant_card_exceptions)
def grant_exception(unit_id):
    """Recognise a late card, with the reason on record."""
    unit = _unit_with_card(unit_id)
    form, back = ExceptionForm(), url_for("units.detail", unit_id=unit.id)
    return form_action(form, lambda: services.grant_exception(
        unit.card, form.reason.data, actor=current_user),
        success=_("Exception granted: the card is recognised."),
        done=back, again=back_with_errors(back))


@bp.route("/<id:unit_id>/card/transfer", methods=["GET", "POST"])
@card_keepers
def transfer_card(unit_id):
    """Pass the card to the unit's new owner after a resale."""
    unit = _unit_with_card(unit_id)
    form = TransferForm()
    return form_action(form, lambda: services.transfer_card(
        unit.card, _values(form, services.OWNER_FIELDS), changed_on=form.changed_on.data,
        today=shanghai_today(), actor=current_user),
        success=_("The card now names the new owner; its dates are unchanged."),
        done=url_for("units.detail", unit_id=unit.id),
        again=lambda form: render("units/transfer_form.html", form=form, unit=unit))


@bp.route("/<id:unit_id>/card/scan")
@signed_in
def card_scan(unit_id):
    """Show the scan of the paper card to those who may see the unit."""
    card = _unit_with_card(unit_id).card
    return send_upload(card.scan_path, card.scan_type, card.scan_name)
