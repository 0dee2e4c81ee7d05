"""Supplier recovery's page and Excel sheet, on the returns blueprint (their endpoints stay
``returns.recovery_list`` / ``returns.recovery_export``): they list claims' old parts and cases'
failed main parts, and returns may not read cases."""

from datetime import date
from decimal import Decimal

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.cases.recovery import recovery
from portal.core.db import SHANGHAI
from portal.core.downloads import download
from portal.core.excel import Column, write_sheet
from portal.core.htmx import render
from portal.core.permissions import requires
from portal.returns.access import can_read_recovery
from portal.returns.views import bp

recovery_readers = requires(can_read_recovery)


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, "").strip())
    except ValueError:
        return None


@bp.route("/recovery")
@recovery_readers
def recovery_list():
    """Per supplier, the quality-fault parts and what can be recovered for them."""
    start, end = _date_arg("start"), _date_arg("end")
    groups = recovery(start, end)
    return render("returns/recovery.html", groups=groups, start=start, end=end,
                  total=sum((g.amount for g in groups), Decimal("0.00")))


RECOVERY_COLUMNS = [
    Column("supplier", _l("Supplier"), width=24),
    Column("document", _l("Repair record or case"), width=16), Column("line", _l("Line"), width=6),
    Column("part_number", _l("Part number")), Column("part_name", _l("Part"), width=20),
    Column("serial", _l("Serial number")), Column("verdict_on", _l("Verdict date"), width=12),
    Column("part_cost", _l("Part cost (yuan)"), number_format="0.00"),
    Column("labour", _l("Labour (yuan)"), number_format="0.00"),
    Column("amount", _l("Recoverable (yuan)"), number_format="0.00"),
]


@bp.route("/recovery.xlsx")
@recovery_readers
def recovery_export():
    """The recovery list as an Excel sheet, money as numbers with two decimals."""
    start, end = _date_arg("start"), _date_arg("end")
    nobody = str(_("(no supplier recorded)"))
    rows = [[g.supplier or nobody, r.document, r.position, r.part_number, r.part_name,
             r.serial, r.verdict_at.astimezone(SHANGHAI).date(), r.part_cost, r.labour,
             r.amount] for g in recovery(start, end) for r in g.rows]
    data = write_sheet(str(_("Supplier recovery")), RECOVERY_COLUMNS, rows)
    return download(data, "supplier-recovery.xlsx", attachment=False)
