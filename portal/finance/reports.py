"""Warranty cost reports: what finance accepted (approved or written off), by month, dealer and
product model, split by cost type (parts, labour, travel, other).

A claim counts in the month of its finance audit (``Claim.finance_on``, a Shanghai business
day); its amounts are the lines' ``finance_amount``. Whole months come from the running totals
(``portal.finance.cost_totals``), the days of a part month from the claims themselves.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.catalog.models import ProductModel
from portal.claims.models import Claim, ClaimLine, FinanceStage, LineKind
from portal.core.db import money
from portal.dealers.models import Dealer
from portal.dealers.scope import in_scope, scoped
from portal.extensions import db
from portal.finance import cost_totals
from portal.finance.models import DealerCost, DealerModelCost, MonthCost
from portal.units.models import Unit

ZERO = Decimal("0.00")
COUNTED = (FinanceStage.APPROVED, FinanceStage.WRITTEN_OFF)
DIMENSIONS = {"month": _l("Month"), "dealer": _l("Dealer"), "model": _l("Model")}
COST_TYPES = [(LineKind.PART, _l("Parts")), (LineKind.LABOUR, _l("Labour")),
              (LineKind.TRAVEL, _l("Travel")), (LineKind.OTHER, _l("Other"))]


@dataclass
class Filters:
    start: date | None = None
    end: date | None = None
    dealer_id: int | None = None
    model_id: int | None = None
    province: str = ""


@dataclass
class ReportRow:
    keys: list[str]  # one label per grouping dimension
    costs: list[Decimal]  # by COST_TYPES
    claims: int

    @property
    def total(self) -> Decimal:
        return sum(self.costs, ZERO)


@dataclass
class Report:
    by: list[str]
    rows: list[ReportRow] = field(default_factory=list)

    @property
    def costs(self) -> list[Decimal]:
        return [sum((r.costs[i] for r in self.rows), ZERO) for i in range(len(COST_TYPES))]

    @property
    def total(self) -> Decimal:
        return sum(self.costs, ZERO)

    @property
    def claims(self) -> int:
        return sum(r.claims for r in self.rows)


def _dimension(name: str, month) -> list:
    """The columns a dimension groups by, in display order."""
    if name == "month":  # the first day of the month: one date, the same in both sources
        return [month.label("month")]
    if name == "dealer":
        return [Dealer.code.label("dealer_code"), Dealer.name.label("dealer_name")]
    return [ProductModel.code.label("model_code"), ProductModel.name.label("model_name")]


def _key(name: str, row) -> str:
    if name == "month":
        return f"{row.month.year:04d}-{row.month.month:02d}"
    if name == "dealer":
        return f"{row.dealer_code} {row.dealer_name}"
    return f"{row.model_code} {row.model_name}"


def _scope(user, filters: Filters, dealer_id, model_id) -> list:
    """The conditions every source shares: the user's dealers, the dealer, model, province."""
    where = []
    if scoped(user):
        where.append(in_scope(dealer_id, user))
    if filters.dealer_id:
        where.append(dealer_id == filters.dealer_id)
    if filters.model_id:
        where.append(model_id == filters.model_id)
    if filters.province:
        where.append(Dealer.province == filters.province)
    return where


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _whole_months(filters: Filters) -> tuple[date | None, date | None]:
    """The audit months the date filter covers entirely, as [first, after) (None: unbounded);
    the days outside them, at most two part months, are read from the claims themselves."""
    first = filters.start and (filters.start if filters.start.day == 1
                               else _next_month(filters.start))
    after = filters.end and (_next_month(filters.end)
                             if _next_month(filters.end) - timedelta(days=1) == filters.end
                             else _month_start(filters.end))
    return first, after


def _totals_table(by: list[str], filters: Filters, user):
    """The smallest running totals that hold what is asked: by model, by dealer or by month."""
    if "model" in by or filters.model_id:
        return DealerModelCost
    if "dealer" in by or filters.dealer_id or filters.province or scoped(user):
        return DealerCost
    return MonthCost


def _from_totals(by: list[str], filters: Filters, user, first, after) -> sa.Select | None:
    """The whole months' sums from the running totals, by model only when asked for."""
    if first and after and first >= after:
        return None
    table = _totals_table(by, filters, user)
    groups = [c for name in by for c in _dimension(name, table.month)]
    stmt = (sa.select(*groups, *[sa.func.sum(getattr(table, kind.value)).label(
                f"cost_{kind.value}") for kind, _label in COST_TYPES],
                      sa.func.sum(table.claims).label("claims"))
            .select_from(table)
            .where(*_scope(user, filters, getattr(table, "dealer_id", None),
                           getattr(table, "model_id", None)))
            .group_by(*groups))
    if "dealer" in by or filters.province:
        stmt = stmt.join(Dealer, Dealer.id == table.dealer_id)
    if "model" in by:
        stmt = stmt.join(ProductModel, ProductModel.id == table.model_id)
    if first:
        stmt = stmt.where(table.month >= first)
    if after:
        stmt = stmt.where(table.month < after)
    return stmt


def _from_claims(by: list[str], filters: Filters, user, first, after) -> sa.Select | None:
    """The days of part months (before ``first``, from ``after``) summed from claim lines."""
    days = []
    if filters.start and (first is None or filters.start < first):
        days.append(sa.and_(Claim.finance_on >= filters.start,
                            Claim.finance_on < first if first else sa.true()))
    if filters.end and (after is None or filters.end >= after):
        days.append(sa.and_(Claim.finance_on <= filters.end,
                            Claim.finance_on >= after if after else sa.true()))
    if first and after and first >= after:  # no whole month: the range itself
        days = [Claim.finance_on.between(filters.start, filters.end)]
    if not days:
        return None
    groups = [c for name in by for c in _dimension(name, cost_totals.month_of_audit())]
    amount = sa.func.coalesce(ClaimLine.finance_amount, 0)
    sums = [sa.func.coalesce(sa.func.sum(sa.case((ClaimLine.kind == kind, amount), else_=0)), 0)
            .label(f"cost_{kind.value}") for kind, _label in COST_TYPES]
    return (sa.select(*groups, *sums, sa.func.count(sa.distinct(Claim.id)).label("claims"))
            .select_from(ClaimLine).join(Claim, Claim.id == ClaimLine.claim_id)
            .join(Dealer, Dealer.id == Claim.dealer_id).join(Unit, Unit.id == Claim.unit_id)
            .join(ProductModel, ProductModel.id == Unit.model_id)
            .where(Claim.finance_stage.in_(COUNTED), Claim.finance_on.is_not(None),
                   sa.or_(*days), *_scope(user, filters, Claim.dealer_id, Unit.model_id))
            .group_by(*groups))


def cost_report(by: list[str], filters: Filters, user=None) -> Report:
    """Finance-accepted warranty cost grouped by ``by`` (month, dealer, model), each cost type a
    column: whole months from the running totals, part months from the claims; ``user``
    limits it to the dealers the user may see."""
    by = [name for name in by if name in DIMENSIONS] or ["month"]
    first, after = _whole_months(filters)
    merged: dict[tuple, list] = {}
    for stmt in (_from_totals(by, filters, user, first, after),
                 _from_claims(by, filters, user, first, after)):
        for row in db.session.execute(stmt) if stmt is not None else ():
            group = tuple(v for name, v in row._mapping.items()
                          if not name.startswith("cost_") and name != "claims")
            sums = merged.setdefault(group, [row, [ZERO] * len(COST_TYPES), 0])
            for i, (kind, _label) in enumerate(COST_TYPES):
                sums[1][i] += money(getattr(row, f"cost_{kind.value}") or 0)
            sums[2] += int(row.claims or 0)
    report = Report(by)
    for group in sorted(merged):
        row, costs, claims = merged[group]
        if claims:  # a totals row a reopened audit emptied shows nothing, as before
            report.rows.append(ReportRow([_key(name, row) for name in by], costs, claims))
    return report
