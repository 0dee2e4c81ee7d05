"""A unit's page, its coverage question and the buyer's 三包凭证, on the ``units`` blueprint
(endpoints ``units.detail``, ``units.coverage``, ``units.card_certificate``): the page shows the
unit's claims, entitlement flags, stock return and delivery note, and coverage and the
certificate's clocks count its warranty repairs, so the views sit above those domains."""

from datetime import date

import sqlalchemy as sa
from flask import abort, request
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal.accounts.access import can_read_history
from portal.accounts.roles import signed_in
from portal.cases.scope import unit_cases
from portal.catalog.models import Part, part_models
from portal.claims.models import Claim
from portal.claims.repairs import clocks_for, coverage_for, warranty_repairs
from portal.claims.scope import visible_claims
from portal.claims.voucher import voucher_pdf
from portal.core import audit
from portal.core.converters import record_id
from portal.core.db import shanghai_today
from portal.core.downloads import download
from portal.core.htmx import render
from portal.deliveries.scope import note_id_for
from portal.extensions import db
from portal.service.access import can_resolve_flags
from portal.service.entitlements import flags_of_unit
from portal.stock.access import can_request_return
from portal.stock.services import open_return
from portal.stock.standing import standings
from portal.units import access
from portal.units.cards import CardStatus
from portal.units.coverage_text import CLOCKS, REASONS
from portal.units.forms import ExceptionForm
from portal.units.models import Unit
from portal.units.scope import get_unit
from portal.units.views import bp


@bp.route("/<id:unit_id>")
@signed_in
def detail(unit_id):
    """Show a unit's whole life: where it came from, where it went, what happened to it."""
    # its model and dealer in the unit's own statement (each was a query of one row)
    unit = get_unit(unit_id, current_user, joinedload(Unit.model), joinedload(Unit.dealer))
    history = audit.history(unit, *unit.cards) if can_read_history(current_user) else []
    on = shanghai_today()
    claims = db.session.scalars(visible_claims(current_user).where(Claim.unit_id == unit.id)
                                .order_by(Claim.failure_date.desc(), Claim.id.desc())).all()
    repairs = warranty_repairs(unit.id)  # read once for today's coverage and the clocks
    return render("units/detail.html", unit=unit, history=history, claims=claims,
                  card_keeper=access.can_keep_cards(current_user), exception_form=ExceptionForm(),
                  on=on, part=None, verdict=coverage_for(unit, None, on, repairs=repairs),
                  clocks=CLOCKS, reasons=REASONS, parts=_parts(unit),
                  clock_table=clocks_for(unit, repairs),
                  flags=flags_of_unit(unit.id), flag_resolver=can_resolve_flags(current_user),
                  stock_return=open_return(unit), returnable=can_request_return(unit, current_user),
                  delivery_note_id=note_id_for(unit), st=standings([unit.id])[unit.id],
                  **unit_cases(unit, current_user))


@bp.route("/<id:unit_id>/card/certificate.pdf")
@signed_in
def card_certificate(unit_id):
    """Print the buyer's 三包凭证 from the filed card, as it stands (after a resale, the new
    owner); 404 without a filed card."""
    unit = get_unit(unit_id, current_user)
    if unit.card is None or unit.card.status != CardStatus.FILED:
        abort(404)
    return download(voucher_pdf(unit), f"{unit.serial}-certificate.pdf", attachment=False)


@bp.route("/<id:unit_id>/coverage")
@signed_in
def coverage(unit_id):
    """Answer whether a failure on a date (of a part, or of the whole machine) is covered."""
    unit = get_unit(unit_id, current_user)
    on = _date_arg("on") or shanghai_today()
    part = None
    if part_id := request.args.get("part", type=record_id):
        part = db.session.get(Part, part_id) or abort(404)
    verdict = coverage_for(unit, part, on)
    return render("units/coverage.html", "units/_coverage.html", unit=unit, part=part, on=on,
                  verdict=verdict, clocks=CLOCKS, reasons=REASONS, parts=_parts(unit))


def _date_arg(name: str):
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _parts(unit):
    """The parts of the unit's model for the coverage question's picker, as the rows it shows."""
    return db.session.execute(
        sa.select(Part.id, Part.part_number, Part.name, Part.kind)
        .join(part_models, part_models.c.part_id == Part.id)
        .where(part_models.c.model_id == unit.model_id).order_by(Part.part_number)
    ).all()
