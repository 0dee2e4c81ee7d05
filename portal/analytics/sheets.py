"""Each failure chart's table as an Excel sheet: exactly the figures the page shows."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.analytics import failures as fa
from portal.analytics.filters import Filters
from portal.core.excel import Column, write_sheet

MONEY = "#,##0.00"


def rate_sheet(table: fa.RateTable) -> bytes:
    columns = [Column("group", fa.DIMENSIONS[table.dimension], width=30),
               Column("units", _l("Units sold"), width=12),
               Column("failures", _l("Failures"), width=12),
               Column("per_100", _l("Failures per 100 units"), number_format="0.00"),
               Column("cost", _l("Warranty cost (yuan)"), number_format=MONEY),
               Column("cost_per_unit", _l("Cost per unit sold (yuan)"), number_format=MONEY)]
    rows = table.rows + ([table.total] if table.total else [])
    return write_sheet(str(_("Failure rates")), columns, [
        [r.label, r.units, r.failures, r.per_100, r.cost, r.cost_per_unit] for r in rows])


def days_sheet(summary: fa.TimeToFailure) -> bytes:
    columns = [Column("bucket", _l("Days from sale to failure"), width=28),
               Column("failures", _l("Failures"), width=12)]
    rows = [[b.label, b.count] for b in summary.buckets]
    rows.append([str(_("Total")), summary.count])
    if summary.median is not None:
        rows.append([str(_("Median (days)")), summary.median])
    if summary.quartiles:
        rows += [[str(_("First quartile (days)")), summary.quartiles[0]],
                 [str(_("Third quartile (days)")), summary.quartiles[2]]]
    return write_sheet(str(_("Time to failure")), columns, rows)


def pareto_sheet(rows: list[fa.ParetoRow]) -> bytes:
    columns = [Column("cause", _l("Cause"), width=40),
               Column("failures", _l("Failures"), width=12),
               Column("share", _l("Share of failures, per cent"), number_format="0.00"),
               Column("cumulative", _l("Running share, per cent"), number_format="0.00")]
    return write_sheet(str(_("Top failure causes")), columns,
                       [[r.label, r.count, r.share, r.cumulative] for r in rows])


def _rates(dimension: str):
    return lambda filters, user, args: rate_sheet(fa.rate_by(dimension, filters, user))


def _pareto(by: str):
    return lambda filters, user, args: pareto_sheet(fa.pareto(filters, user, by))


def _cost(filters: Filters, user, args) -> bytes:
    by = "model" if args.get("cost_by") == "model" else "sale_month"
    return rate_sheet(fa.cost_per_unit(filters, user, by))


SHEETS = {
    **{d: _rates(d) for d in fa.DIMENSIONS},
    "cost": _cost,
    "time_to_failure": lambda filters, user, args: days_sheet(fa.time_to_failure(filters, user)),
    **{by: _pareto(by) for by in fa.PARETO_BY},
}
