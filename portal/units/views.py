"""Units: list, Excel import of shipped units (the unit page, which shows every domain's records
of the unit, is in ``portal.home.unit_views``)."""

import io

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.accounts.roles import signed_in
from portal.catalog.forms import ImportForm
from portal.catalog.models import ProductModel
from portal.core.db import shanghai_today
from portal.core.excel import ExcelError
from portal.core.htmx import render
from portal.core.pagination import keyset_page
from portal.core.permissions import requires
from portal.extensions import db
from portal.units import access, excel
from portal.units.models import Unit
from portal.units.scope import visible_units

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
