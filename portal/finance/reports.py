"""Warranty cost reports: what finance accepted (approved or written off), by month, dealer and
product model, split by cost type (parts, labour, travel, other).

A claim counts in the month of its finance audit (``Claim.finance_on``, a Shanghai business
day); its amounts are the lines' ``finance_amount``. One grouped query builds a whole table.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.accounts.roles import Role
from portal.catalog.models import ProductModel
from portal.claims.models import Claim, ClaimLine, FinanceStage, LineKind
from portal.core.db import money
from portal.dealers.models import Dealer
from portal.dealers.scope import dealer_ids_for
from portal.extensions import db
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


def _dimension(name: str) -> list:
    """The columns a dimension groups by, in display order."""
    if name == "month":
        # extract() compiles to strftime on SQLite and to EXTRACT on PostgreSQL.
        return [sa.extract("year", Claim.finance_on).label("year"),
                sa.extract("month", Claim.finance_on).label("month")]
    if name == "dealer":
        return [Dealer.code.label("dealer_code"), Dealer.name.label("dealer_name")]
    return [ProductModel.code.label("model_code"), ProductModel.name.label("model_name")]


def _key(name: str, row) -> str:
    if name == "month":
        return f"{int(row.year):04d}-{int(row.month):02d}"
    if name == "dealer":
        return f"{row.dealer_code} {row.dealer_name}"
    return f"{row.model_code} {row.model_name}"


def _where(user, filters: Filters) -> list:
    where = [Claim.finance_stage.in_(COUNTED), Claim.finance_on.is_not(None)]
    if user is not None and (user.role.is_dealer or user.role == Role.SALES_REP):
        where.append(Claim.dealer_id.in_(dealer_ids_for(user)))
    if filters.start:
        where.append(Claim.finance_on >= filters.start)
    if filters.end:
        where.append(Claim.finance_on <= filters.end)
    if filters.dealer_id:
        where.append(Claim.dealer_id == filters.dealer_id)
    if filters.model_id:
        where.append(Unit.model_id == filters.model_id)
    if filters.province:
        where.append(Dealer.province == filters.province)
    return where


def cost_report(by: list[str], filters: Filters, user=None) -> Report:
    """Finance-accepted warranty cost grouped by ``by`` (month, dealer, model), each cost type a
    column, in one query; ``user`` limits it to the dealers the user may see."""
    by = [name for name in by if name in DIMENSIONS] or ["month"]
    groups = [c for name in by for c in _dimension(name)]
    amount = sa.func.coalesce(ClaimLine.finance_amount, 0)
    sums = [sa.func.coalesce(sa.func.sum(sa.case((ClaimLine.kind == kind, amount), else_=0)), 0)
            .label(f"cost_{kind.value}") for kind, _label in COST_TYPES]
    stmt = (sa.select(*groups, *sums, sa.func.count(sa.distinct(Claim.id)).label("claims"))
            .select_from(ClaimLine).join(Claim, Claim.id == ClaimLine.claim_id)
            .join(Dealer, Dealer.id == Claim.dealer_id).join(Unit, Unit.id == Claim.unit_id)
            .join(ProductModel, ProductModel.id == Unit.model_id)
            .where(*_where(user, filters))
            .group_by(*groups).order_by(*groups))
    report = Report(by)
    for row in db.session.execute(stmt):
        costs = [money(getattr(row, f"cost_{kind.value}")) for kind, _label in COST_TYPES]
        report.rows.append(ReportRow([_key(name, row) for name in by], costs, row.claims))
    return report
