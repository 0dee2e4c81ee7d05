"""Units: Excel import of shipped units (the list, which shows where each unit stands in its
dealer's stock, is in ``portal.stock.unit_list``; the unit page, which shows every domain's
records of the unit, is in ``portal.home.unit_views``)."""


from flask import Blueprint, url_for
from flask_login import current_user

from portal.catalog.forms import ImportForm
from portal.core.actions import sheet_import
from portal.core.db import shanghai_today
from portal.core.downloads import download
from portal.core.htmx import render
from portal.core.permissions import requires
from portal.units import access, excel

bp = Blueprint("units", __name__, url_prefix="/units")
importers = requires(access.can_import_units)


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
