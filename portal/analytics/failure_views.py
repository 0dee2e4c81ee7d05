"""Failure analytics pages: the overview of charts and tables, the claims behind every number, and
each chart's table as an Excel sheet. Dealer users see their own figures only; reps their
dealers'; head office everyone's (scoping in portal.analytics.filters)."""

import io
from datetime import datetime

import sqlalchemy as sa
from flask import abort, current_app, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.analytics import failures as fa
from portal.analytics import snapshots
from portal.analytics.blueprint import bp
from portal.analytics.charts import Bar, bar_chart
from portal.analytics.filters import Filters, parse_filters, scoped
from portal.analytics.sheets import SHEETS, XLSX
from portal.catalog.models import Part, ProductModel
from portal.claims.models import Claim
from portal.core.db import utcnow
from portal.core.htmx import render
from portal.core.pagination import keyset_page
from portal.core.permissions import signed_in
from portal.core.regions import PROVINCES
from portal.dealers.scope import dealer_filter
from portal.extensions import db
from portal.units.models import Unit

RATE_CHARTS = ("model", "part", "batch", "sale_month", "province")


def _asked() -> tuple[Filters, list[str], list]:
    """The query string's filters, the selling dealer narrowed to those the user may see."""
    filters, errors = parse_filters(request.args)
    dealer_id, dealers = dealer_filter(current_user, filters.dealer_id)
    return filters.narrowed(dealer_id=dealer_id), errors, dealers


def _link(filters: Filters, **group) -> str:
    return url_for("analytics.failure_claims", **filters.narrowed(**group).args())


def _group(dimension: str, key: str) -> dict:
    """The filter a row of a table stands for."""
    if dimension == "fault_code":
        return {"fault_code": key}
    if dimension == "verdict_cause":
        return {"cause": key}
    if dimension == "sale_month":
        month = parse_filters({"sale_from": key})[0].sale_from
        return {"sale_from": month, "sale_to": month}
    if dimension in ("model", "part"):
        return {f"{dimension}_id": int(key)}
    return {dimension: key}


def rate_chart(table: fa.RateTable, filters: Filters):
    bars = [Bar(r.label, r.per_100, f"{r.per_100 if r.per_100 is not None else '—'} ({r.failures})",
                _link(filters, **_group(table.dimension, r.key))) for r in table.rows]
    return bar_chart(_("Failures per 100 units sold by %(group)s",
                       group=fa.DIMENSIONS[table.dimension]),
                     _("Bars: failures per 100 units sold; in brackets the failures."), bars)


def cost_chart(table: fa.RateTable, filters: Filters):
    bars = [Bar(r.label, r.cost_per_unit, f"¥{r.cost_per_unit}" if r.units else "—",
                _link(filters, **_group(table.dimension, r.key))) for r in table.rows]
    return bar_chart(_("Warranty cost per unit sold by %(group)s",
                       group=fa.DIMENSIONS[table.dimension]),
                     _("Bars: warranty cost in yuan per unit sold."), bars)


def days_chart(summary: fa.TimeToFailure, filters: Filters):
    bars = [Bar(b.label, b.count, str(b.count), _link(
        filters, days_from=b.first, days_to=b.last)) for b in summary.buckets]
    return bar_chart(_("Days from sale to failure"),
                     _("Bars: failures by the days from the sale to the failure."), bars)


def pareto_chart(rows: list[fa.ParetoRow], filters: Filters, by: str):
    bars = [Bar(r.label, r.count, f"{r.count} · {r.cumulative}%",
                _link(filters, **_group(by, r.key)), highlight=r.vital) for r in rows]
    return bar_chart(_("Top failure causes: %(by)s", by=fa.PARETO_BY[by]),
                     _("Bars: failures per cause, most first, with the running share; the dark "
                       "bars are the few causes that make up the first 80 per cent."), bars)


@bp.route("/")
@signed_in
def failures():
    """Failure rates, time to failure, top causes and cost per unit sold, with the filters."""
    filters, errors, dealers = _asked()
    counts, as_of = _counts(filters)
    tables = {d: fa.rate_table(d, counts["rates"][d]) for d in RATE_CHARTS}
    cost_by = "model" if request.args.get("cost_by") == "model" else "sale_month"
    days = fa.summarise_day_counts(counts["days"])
    paretos = {by: fa.pareto_of(counts["pareto"][by], by) for by in fa.PARETO_BY}
    charts = {d: rate_chart(t, filters) for d, t in tables.items()}
    charts["cost"] = cost_chart(tables[cost_by], filters)
    charts["time_to_failure"] = days_chart(days, filters)
    charts.update({by: pareto_chart(rows, filters, by) for by, rows in paretos.items()})
    return render("analytics/failures.html", filters=filters, errors=errors, dealers=dealers,
                  tables=tables, days=days, paretos=paretos, charts=charts, cost_by=cost_by,
                  as_of=as_of,
                  link=lambda dimension, key: _link(filters, **_group(dimension, key)),
                  **_choices())


def _counts(filters: Filters) -> tuple[dict, datetime | None]:
    """The overview's counts: over all the data unfiltered, from the snapshot (and as of when);
    else counted now."""
    if filters == Filters() and not scoped(current_user):
        return snapshots.failure_counts(utcnow())
    return fa.page_counts(filters, current_user), None


def _choices() -> dict:
    models = db.session.scalars(sa.select(ProductModel).order_by(ProductModel.code)).all()
    parts = db.session.scalars(sa.select(Part).where(Part.is_active).order_by(
        Part.key_part.desc(), Part.part_number)).all()
    return {"models": models, "parts": parts, "provinces": PROVINCES,
            "dimensions": fa.DIMENSIONS, "pareto_by": fa.PARETO_BY}


@bp.route("/claims")
@signed_in
def failure_claims():
    """The claims behind a number: the failures under the filters, newest first."""
    filters, errors, dealers = _asked()
    stmt = fa.claims_behind(filters, current_user).options(
        selectinload(Claim.unit).selectinload(Unit.model), selectinload(Claim.dealer))
    page = keyset_page(stmt, Claim.id, Claim.id, request.args.get("after"),
                       current_app.config["PAGE_SIZE"], descending=True)
    return render("analytics/claims.html", "analytics/_claim_rows.html", page=page,
                  filters=filters, errors=errors, described=_described(filters))


def _described(filters: Filters) -> list[tuple[str, str]]:
    """The filters in words, for the drill-down's heading."""
    names = {"model_id": (ProductModel, "code"), "part_id": (Part, "part_number")}
    out = []
    for name, value in filters.args().items():
        if name in names:
            model, column = names[name]
            record = db.session.get(model, int(value))
            value = getattr(record, column) if record else value
        out.append((name, str(value)))
    return out


@bp.route("/<chart>.xlsx")
@signed_in
def failure_sheet(chart: str):
    """The table behind one chart, with the same filters, as an Excel sheet."""
    if chart not in SHEETS:
        abort(404)
    filters, _errors, _dealers = _asked()
    data = SHEETS[chart](filters, current_user, request.args)
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                     download_name=f"failures-{chart}.xlsx")
