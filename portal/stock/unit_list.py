"""The units list (endpoint ``units.index``) and the scan that finds a unit, on the ``units``
blueprint: registered from here because each row shows where the unit stands in its dealer's
stock (``portal.stock.standing``), which stock returns decide."""

import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.accounts.roles import signed_in
from portal.catalog.models import ProductModel
from portal.core.converters import record_id
from portal.core.htmx import render, wants_fragment
from portal.core.pagination import request_page
from portal.dealers.scope import scoped
from portal.extensions import db
from portal.stock.standing import Standing, standings, with_standing
from portal.units.models import Unit
from portal.units.scope import visible_units
from portal.units.search import matching, read_code
from portal.units.views import bp


def _filters() -> dict:
    return {"q": request.args.get("q", "").strip(),
            "model_id": request.args.get("model", type=record_id),
            "standing": Standing.parse(request.args.get("standing")),
            "note": request.args.get("note", "").strip().upper()}


def _selected(f: dict):
    stmt = matching(visible_units(current_user), f["q"], current_user)
    if f["model_id"]:
        stmt = stmt.where(Unit.model_id == f["model_id"])
    if f["note"]:
        stmt = stmt.where(Unit.delivery_note_no == f["note"])
    return with_standing(stmt, f["standing"])


@bp.route("/")
@signed_in
def index():
    """List the units this user may see with where each stands; filter by standing, model or
    delivery note; active search by serial or engine number, or a serial's last digits."""
    f = _filters()
    stmt = _selected(f).options(selectinload(Unit.model), selectinload(Unit.dealer))
    page = request_page(stmt, Unit.serial, Unit.id)
    models = [] if wants_fragment() else db.session.execute(  # the filter's, not the rows'
        sa.select(ProductModel.id, ProductModel.code).order_by(ProductModel.code)).all()
    return render("units/index.html", "units/_rows.html", page=page, models=models,
                  standing_of=standings([u.id for u in page.items]), standings=list(Standing),
                  suffix_search=scoped(current_user), **f)


@bp.route("/find")
@signed_in
def find():
    """Go to what a scanned nameplate or delivery-note code names: the unit, the note's units."""
    code = read_code(request.args.get("code", ""))
    if code is None:
        return redirect(url_for("units.index"), 303)
    if code.kind == "note":
        return redirect(url_for("units.index", note=code.value), 303)
    unit = db.session.scalar(visible_units(current_user).where(Unit.serial == code.value))
    if unit is not None:
        return redirect(url_for("units.detail", unit_id=unit.id), 303)
    flash(_("No unit you may see has the serial number %(serial)s.", serial=code.value), "error")
    return redirect(url_for("units.index", q=code.value), 303)
