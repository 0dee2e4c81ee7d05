"""Failure analytics pages: the overview of charts and tables, the claims behind every number, and
each chart's table as an Excel sheet. Dealer users see their own figures only; reps their
dealers'; head office everyone's (scoping in portal.analytics.filters)."""

from datetime import datetime
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from portal.accounts.roles import signed_in
from portal.analytics import failures as fa
from portal.analytics import snapshots
from portal.analytics.blueprint import bp
from portal.analytics.charts import MAX_BARS, Bar, bar_chart
from portal.analytics.filters import Filters, parse_filters
from portal.analytics.pickers import part_picker
from portal.analytics.sheets import SHEETS
from portal.catalog.models import Part, ProductModel
from portal.claims.models import Claim
from portal.claims.scope import listed
from portal.core.db import utcnow
from portal.core.downloads import download
from portal.core.htmx import render
from portal.core.pagination import request_page
from portal.core.regions import PROVINCES
from portal.dealers.pickers import dealer_picker
from portal.dealers.scope import picks_dealers, scoped
from portal.extensions import db

URL_SAFE = "!$'()*,/:;?@"  # as url_for encodes a query string


def _typed(name: str) -> str:
    """The words typed in a picker's box (``<name>_q``)."""
    return request.args.get(f"{name}_q", "").strip()[:40]


def _asked() -> tuple[Filters, list[str], dict]:
    """The query string's filters, the part and the selling dealer as their pickers resolve
    them (the words typed in a picker's box, one match taken as the choice; a dealer among
    those the user may see), and the pickers (no dealer picker for a dealer user: its own
    figures only)."""
    filters, errors = parse_filters(request.args)
    pickers = {"part": part_picker(_typed("part"), filters.part_id)}
    if picks_dealers(current_user):
        pickers["dealer"] = dealer_picker(current_user, _typed("dealer"), filters.dealer_id,
                                         "selling")
    dealer = pickers.get("dealer")
    return filters.narrowed(part_id=pickers["part"].chosen,
                            dealer_id=dealer.chosen if dealer else None), errors, pickers


TOP_ROWS = 25  # rows of a table on the overview; the rest behind "show all" and in Excel


def _drill(base: str, filters: Filters, **group) -> str:
    """The claims behind a table row or chart bar: ``base`` (the claims list's address) with the
    filters narrowed to ``group``, encoded as url_for encodes a query string."""
    args = filters.narrowed_args(**group)
    return f"{base}?{urlencode(args, safe=URL_SAFE)}" if args else base


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


def linker(filters: Filters):
    """``link(dimension, key)``: the drill-down of a table row or chart bar, each built once and
    without a url_for per row (a page links hundreds of rows)."""
    base, links = url_for("analytics.failure_claims"), {}

    def link(dimension: str, key: str) -> str:
        if (dimension, key) not in links:
            links[dimension, key] = _drill(base, filters, **_group(dimension, key))
        return links[dimension, key]

    return link


def rate_chart(table: fa.RateTable, link):
    bars = [Bar(r.label, r.per_100, f"{r.per_100 if r.per_100 is not None else '—'} ({r.failures})",
                link(table.dimension, r.key)) for r in table.rows[:MAX_BARS]]
    return bar_chart(_("Failures per 100 units sold by %(group)s",
                       group=fa.DIMENSIONS[table.dimension]),
                     _("Bars: failures per 100 units sold; in brackets the failures."), bars,
                     len(table.rows))


def cost_chart(table: fa.RateTable, link):
    bars = [Bar(r.label, r.cost_per_unit, f"¥{r.cost_per_unit:,}" if r.units else "—",
                link(table.dimension, r.key)) for r in table.rows[:MAX_BARS]]
    return bar_chart(_("Warranty cost per unit sold by %(group)s",
                       group=fa.DIMENSIONS[table.dimension]),
                     _("Bars: warranty cost in yuan per unit sold."), bars, len(table.rows))


def days_chart(summary: fa.TimeToFailure, filters: Filters):
    base = url_for("analytics.failure_claims")
    bars = [Bar(b.label, b.count, str(b.count),
                _drill(base, filters, days_from=b.first, days_to=b.last))
            for b in summary.buckets]
    return bar_chart(_("Days from sale to failure"),
                     _("Bars: failures by the days from the sale to the failure."), bars)


def pareto_chart(rows: list[fa.ParetoRow], link, by: str):
    bars = [Bar(r.label, r.count, f"{r.count} · {r.cumulative}%", link(by, r.key),
                highlight=r.vital) for r in rows[:MAX_BARS]]
    return bar_chart(_("Top failure causes: %(by)s", by=fa.PARETO_BY[by]),
                     _("Bars: failures per cause, most first, with the running share; the dark "
                       "bars are the few causes that make up the first 80 per cent."), bars,
                     len(rows))


@bp.route("/")
@signed_in
def failures():
    """Failure rates, time to failure, top causes and cost per unit sold, with the filters; each
    table's first TOP_ROWS rows (the rest behind "show all" and in the Excel sheet)."""
    filters, errors, pickers = _asked()
    cost_by = "model" if request.args.get("cost_by") == "model" else "sale_month"
    if _unfiltered(filters) and set(request.args) <= {"cost_by"}:
        # The same sections for everyone who sees every dealer: rendered once per snapshot,
        # language and cost tab in each process, as the tables were built once.
        overview, as_of = snapshots.failure_overview(utcnow(), lambda counts: Markup(
            render_template("analytics/_overview.html",
                            **overview_context(filters, _tables(counts), cost_by))),
            variant=f"html:{cost_by}")
    else:
        tables, as_of = _overview(filters)
        overview = Markup(render_template("analytics/_overview.html",
                                          **overview_context(filters, tables, cost_by)))
    return render("analytics/failures.html", filters=filters, errors=errors, pickers=pickers,
                  overview=overview, as_of=as_of, **_choices())


def overview_context(filters: Filters, tables: tuple, cost_by: str) -> dict:
    """What ``analytics/_overview.html`` draws of ``_tables``: each table's first TOP_ROWS rows,
    the charts, the drill-down links."""
    tables, days, paretos = tables
    link = linker(filters)
    charts = {d: rate_chart(t, link) for d, t in tables.items()}
    charts["cost"] = cost_chart(tables[cost_by], link)
    charts["time_to_failure"] = days_chart(days, filters)
    charts.update({by: pareto_chart(rows, link, by) for by, rows in paretos.items()})
    return {"filters": filters, "tables": {d: t.top(TOP_ROWS) for d, t in tables.items()},
            "days": days, "paretos": {by: rows[:TOP_ROWS] for by, rows in paretos.items()},
            "pareto_counts": {by: len(rows) for by, rows in paretos.items()},
            "charts": charts, "cost_by": cost_by, "link": link,
            "dimensions": fa.DIMENSIONS, "pareto_by": fa.PARETO_BY}


@bp.route("/<chart>/rows")
@signed_in
def failure_table(chart: str):
    """Every row of one table of the overview (a rate table or a Pareto), with the filters."""
    if chart not in fa.DIMENSIONS and chart not in fa.PARETO_BY:
        abort(404)
    filters, errors, _pickers = _asked()
    context = {"filters": filters, "errors": errors, "chart": chart, "link": linker(filters),
               "dimensions": fa.DIMENSIONS, "pareto_by": fa.PARETO_BY}
    if chart in fa.PARETO_BY:
        (_tables, _days, paretos), as_of = _overview(filters, pareto=chart)
        return render("analytics/table.html", "analytics/_pareto_table.html", by=chart,
                      rows=paretos[chart], as_of=as_of, **context)
    (tables, _days, _paretos), as_of = _overview(filters, rates=chart)
    return render("analytics/table.html", "analytics/_rate_table.html", d=chart,
                  table=tables[chart], as_of=as_of, **context)


def _tables(counts: dict) -> tuple[dict, fa.TimeToFailure | None, dict]:
    """The rate tables, time to failure and Paretos of (some of) ``page_counts``' lists."""
    return ({d: fa.rate_table(d, rows) for d, rows in counts.get("rates", {}).items()},
            fa.summarise_day_counts(counts["days"]) if "days" in counts else None,
            {by: fa.pareto_of(rows, by) for by, rows in counts.get("pareto", {}).items()})


def _unfiltered(filters: Filters) -> bool:
    """Over all the data, for someone who sees every dealer: the snapshot's figures."""
    return filters == Filters() and not scoped(current_user)


def _overview(filters: Filters, rates: str = "", pareto: str = "") -> tuple[tuple, datetime | None]:
    """``_tables`` of the overview: over all the data unfiltered, from the snapshot (and as of
    when); else counted now (only the rate table ``rates`` or the Pareto ``pareto`` if given)."""
    if _unfiltered(filters):
        return snapshots.failure_overview(utcnow(), _tables)
    if pareto:
        counts = {"pareto": {pareto: fa.pareto_counts(filters, current_user, pareto)}}
    elif rates:
        counts = {"rates": {rates: fa.rate_rows(rates, filters, current_user)}}
    else:
        counts = fa.page_counts(filters, current_user)
    return _tables(counts), None


def _choices() -> dict:
    """The filter form's short choice lists (the long ones are pickers)."""
    models = db.session.execute(sa.select(ProductModel.id, ProductModel.code, ProductModel.name)
                                .order_by(ProductModel.code)).all()
    return {"models": models, "provinces": PROVINCES}


@bp.route("/choices/parts")
@signed_in
def part_choices():
    """The part picker's select for the words typed in its box, which htmx swaps in."""
    return render("_choice.html", picker=part_picker(_typed("part"), None))


@bp.route("/claims")
@signed_in
def failure_claims():
    """The claims behind a number: the failures under the filters, newest first."""
    filters, errors, _pickers = _asked()
    stmt = listed(fa.claims_behind(filters, current_user))
    page = request_page(stmt, Claim.id, Claim.id, descending=True, rows=True)
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
    filters, _errors, _pickers = _asked()
    data = SHEETS[chart](filters, current_user, request.args)
    return download(data, f"failures-{chart}.xlsx")
