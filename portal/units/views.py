"""Units: list, Excel import of shipped units (the unit page, which shows every domain's records
of the unit, is in ``portal.home.unit_views``)."""


import sqlalchemy as sa
from flask import Blueprint, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.accounts.roles import signed_in
from portal.catalog.forms import ImportForm
from portal.catalog.models import ProductModel
from portal.core.actions import sheet_import
from portal.core.db import shanghai_today
from portal.core.downloads import download
from portal.core.htmx import render
from portal.core.pagination import request_page
from portal.core.permissions import requires
from portal.extensions import db
from portal.units import access, excel
from portal.units.models import Unit
from portal.units.scope import visible_units

bp = Blueprint("units", __name__, url_prefix="/units")
importers = requires(access.can_import_units)


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
    page = request_page(stmt, Unit.serial, Unit.id)
    models = db.session.scalars(sa.select(ProductModel).order_by(ProductModel.code)).all()
    return render("units/index.html", "units/_rows.html", page=page, q=q, model_id=model_id,
                  models=models)


@bp.route("/import", methods=["GET", "POST"])
@importers
def import_sheet():
    """Import shipped units from .xlsx: all rows, or none with every error listed."""
    form = ImportForm()
    return sheet_import(
        form, lambda data: excel.import_units(data, actor=current_user, today=shanghai_today()),
        done=url_for("units.index"),
        again=lambda errors, status: render("units/import.html", status=status, form=form,
                                            errors=errors))


@bp.route("/import/template.xlsx")
@importers
def import_template():
    """Download the empty import sheet with its headings."""
    return download(excel.template(), "units-template.xlsx")
