"""The warranty cost report page and its Excel export (exactly the table shown)."""


import sqlalchemy as sa
from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from portal.catalog.models import ProductModel
from portal.core.converters import record_id
from portal.core.downloads import download
from portal.core.excel import Column, write_sheet
from portal.core.forms import arg_date
from portal.core.htmx import render
from portal.core.permissions import requires
from portal.core.regions import PROVINCES
from portal.dealers.pickers import Picker, dealer_filter
from portal.extensions import db
from portal.finance import access
from portal.finance.reports import COST_TYPES, DIMENSIONS, Filters, Report, cost_report
from portal.finance.views import bp

report_readers = requires(access.can_read_cost_reports)



def _asked() -> tuple[list[str], Filters, list, Picker | None]:
    """The grouping and filters of the query string (what cannot be read is left out), and the
    dealer picker that resolved the dealer asked for (portal.dealers.pickers)."""
    errors = []
    dealer_id, picker = dealer_filter(current_user, request.args)
    by = [b for b in (request.args.get("by", "month"), request.args.get("then", ""))
          if b in DIMENSIONS]
    by = list(dict.fromkeys(by)) or ["month"]
    filters = Filters(start=arg_date("start", errors), end=arg_date("end", errors),
                      dealer_id=dealer_id,
                      model_id=request.args.get("model", type=record_id),
                      province=request.args.get("province", "") if request.args.get(
                          "province", "") in PROVINCES else "")
    if filters.start and filters.end and filters.start > filters.end:
        errors.append(_("The start date is after the end date."))
    return by, filters, errors, picker


@bp.route("/reports")
@report_readers
def reports():
    """Warranty cost accepted by finance, by month, dealer or model and by cost type."""
    by, filters, errors, picker = _asked()
    report = cost_report(by, filters, current_user)
    models = db.session.execute(sa.select(ProductModel.id, ProductModel.code, ProductModel.name)
                                .order_by(ProductModel.code)).all()
    return render("finance/reports.html", report=report, by=by, filters=filters,
                  errors=errors, dimensions=DIMENSIONS, cost_types=COST_TYPES,
                  picker=picker,
                  models=models, provinces=PROVINCES)


def report_sheet(report: Report) -> bytes:
    """The report as shown: one column per grouping, the cost types, the total, a totals row."""
    columns = [Column(name, DIMENSIONS[name], width=28) for name in report.by]
    columns += [Column(kind.value, label, number_format="#,##0.00")
                for kind, label in COST_TYPES]
    columns += [Column("total", _("Total (yuan)"), number_format="#,##0.00"),
                Column("claims", _("Claims"), width=8)]
    rows = [[*r.keys, *r.costs, r.total, r.claims] for r in report.rows]
    rows.append([str(_("Total")), *[""] * (len(report.by) - 1), *report.costs, report.total,
                 report.claims])
    return write_sheet(str(_("Warranty cost")), columns, rows)


@bp.route("/reports.xlsx")
@report_readers
def reports_export():
    """The same report as an Excel sheet, amounts as numbers with two decimals."""
    by, filters, _errors, _picker = _asked()
    data = report_sheet(cost_report(by, filters, current_user))
    return download(data, "warranty-cost.xlsx")
