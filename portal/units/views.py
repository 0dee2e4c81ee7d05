"""Units: list, unit page, Excel import of shipped units."""

import io
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.accounts.access import can_read_history
from portal.accounts.roles import signed_in
from portal.catalog.forms import ImportForm
from portal.catalog.models import Part, ProductModel
from portal.claims.models import Claim
from portal.claims.scope import visible_claims
from portal.core import audit
from portal.core.db import shanghai_today
from portal.core.excel import ExcelError
from portal.core.htmx import render
from portal.core.pagination import keyset_page
from portal.core.permissions import requires
from portal.deliveries.scope import note_id_for
from portal.extensions import db
from portal.service.access import can_resolve_flags
from portal.service.entitlements import flags_of_unit
from portal.stock.access import can_request_return
from portal.stock.services import open_return
from portal.units import access, excel
from portal.units.coverage_text import CLOCKS, REASONS
from portal.units.forms import ExceptionForm
from portal.units.models import Unit
from portal.units.scope import get_unit, visible_units
from portal.units.services import clocks_for, coverage_for

bp = Blueprint("units", __name__, url_prefix="/units")
importers = requires(access.can_import_units)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/")
@signed_in
def index():
    """List the units this user may see; active search by serial or engine number."""
    q = request.args.get("q", "").strip()
    model_id = request.args.get("model", type=int)
    stmt = visible_units(current_user).options(selectinload(Unit.model),
                                               selectinload(Unit.dealer))
    if q:
        stmt = stmt.where(sa.or_(Unit.serial.startswith(q.upper()),
                                 Unit.engine_no.startswith(q.upper())))
    if model_id:
        stmt = stmt.where(Unit.model_id == model_id)
    page = keyset_page(stmt, Unit.serial, Unit.id, request.args.get("after"),
                       current_app.config["PAGE_SIZE"])
    models = db.session.scalars(sa.select(ProductModel).order_by(ProductModel.code)).all()
    return render("units/index.html", "units/_rows.html", page=page, q=q, model_id=model_id,
                  models=models)


@bp.route("/<int:unit_id>")
@signed_in
def detail(unit_id):
    """Show a unit's whole life: where it came from, where it went, what happened to it."""
    unit = get_unit(unit_id, current_user)
    history = audit.history(unit, *unit.cards) if can_read_history(current_user) else []
    on = shanghai_today()
    claims = db.session.scalars(visible_claims(current_user).where(Claim.unit_id == unit.id)
                                .order_by(Claim.failure_date.desc(), Claim.id.desc())).all()
    return render("units/detail.html", unit=unit, history=history, claims=claims,
                  card_keeper=access.can_keep_cards(current_user), exception_form=ExceptionForm(),
                  on=on, part=None, verdict=coverage_for(unit, None, on), clocks=CLOCKS,
                  reasons=REASONS, parts=_parts(unit), clock_table=clocks_for(unit),
                  flags=flags_of_unit(unit.id), flag_resolver=can_resolve_flags(current_user),
                  stock_return=open_return(unit), returnable=can_request_return(unit, current_user),
                  delivery_note_id=note_id_for(unit))


@bp.route("/import", methods=["GET", "POST"])
@importers
def import_sheet():
    """Import shipped units from .xlsx: all rows, or none with every error listed."""
    form = ImportForm()
    errors = []
    if form.validate_on_submit():
        try:
            created, updated, errors = excel.import_units(
                form.file.data.read(), actor=current_user, today=shanghai_today())
        except ExcelError as error:
            form.file.errors.append(str(error))
        else:
            if not errors:
                db.session.commit()
                flash(_("Imported: %(created)d new, %(updated)d updated.", created=created,
                        updated=updated), "success")
                return redirect(url_for("units.index"), 303)
            db.session.rollback()
    status = 422 if form.errors or errors else 200
    return render("units/import.html", status=status, form=form, errors=errors)


@bp.route("/import/template.xlsx")
@importers
def import_template():
    """Download the empty import sheet with its headings."""
    return send_file(io.BytesIO(excel.template()), mimetype=XLSX, as_attachment=True,
                     download_name="units-template.xlsx")


@bp.route("/<int:unit_id>/coverage")
@signed_in
def coverage(unit_id):
    """Answer whether a failure on a date (of a part, or of the whole machine) is covered."""
    unit = get_unit(unit_id, current_user)
    on = _date_arg("on") or shanghai_today()
    part = None
    if part_id := request.args.get("part", type=int):
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
    return db.session.scalars(
        sa.select(Part).where(Part.models.any(ProductModel.id == unit.model_id))
        .order_by(Part.part_number)
    ).all()
