"""Failure analytics: rates per 100 units sold, time from sale to failure, Pareto of causes,
warranty cost per unit sold, and the claims behind each number.

What counts is defined once in ``portal.analytics.filters``. **Warranty cost** is what head
office pays: for technically approved claims, the amount finance accepted where finance audited
the claim (nothing where finance rejected it), else the technically approved amount. Every
function runs a fixed handful of grouped queries, whatever the number of rows.
"""

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.analytics.filters import (
    APPROVED_CLAIMS,
    APPROVED_LINES,
    NO_CODE,
    Filters,
    days_to_failure,
    failed_from,
    failure_clauses,
    line_counts,
    sold_from,
    unit_clauses,
)
from portal.catalog.models import FaultCode, Part, ProductModel, part_models
from portal.claims.models import Claim, ClaimLine, FinanceStage
from portal.core.db import Money, money
from portal.dealers.models import Dealer
from portal.extensions import db
from portal.returns.models import OwedPart, Verdict
from portal.units.cards import WarrantyCard
from portal.units.models import Unit

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
DIMENSIONS = {"model": _l("Model"), "part": _l("Part"), "batch": _l("Production batch"),
              "sale_month": _l("Month of sale"), "province": _l("Province")}
FINANCE_ACCEPTED = (FinanceStage.APPROVED, FinanceStage.WRITTEN_OFF)
# Days from sale to failure: (first, last) day of each bucket; None is open-ended.
BUCKETS = [(None, -1), (0, 30), (31, 90), (91, 180), (181, 365), (366, 730), (731, None)]
PARETO_BY = {"fault_code": _l("Fault code on the claim"),
             "verdict_cause": _l("Verdict and cause on the returned part")}


def _ratio(numerator, denominator, scale=1) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) * scale / denominator).quantize(CENT, ROUND_HALF_UP)


@dataclass
class RateRow:
    key: str  # the group's filter value (model id, part id, batch, YYYY-MM, province)
    label: str
    units: int = 0
    failures: int = 0
    cost: Decimal = ZERO

    @property
    def per_100(self) -> Decimal | None:
        return _ratio(self.failures, self.units, 100)

    @property
    def cost_per_unit(self) -> Decimal | None:
        return _ratio(self.cost, self.units)


@dataclass
class RateTable:
    dimension: str
    rows: list[RateRow] = field(default_factory=list)
    total: RateRow | None = None  # none for parts: one unit counts under every part it has
    more: int = 0  # rows left out of ``top``'s copy

    def top(self, count: int) -> "RateTable":
        """A copy with the first ``count`` rows, highest rate first; of months, the latest."""
        if len(self.rows) <= count:
            return self
        rows = self.rows[-count:] if self.dimension == "sale_month" else self.rows[:count]
        return replace(self, rows=rows, more=len(self.rows) - count)


def _claim_cost():
    return sa.case(
        (Claim.status.not_in(APPROVED_CLAIMS), 0),
        (Claim.finance_stage.in_(FINANCE_ACCEPTED), sa.func.coalesce(Claim.total_finance, 0)),
        (Claim.finance_stage == FinanceStage.REJECTED, 0),
        else_=sa.func.coalesce(Claim.total_approved, 0))


def _line_cost():
    return sa.case(
        (sa.or_(Claim.status.not_in(APPROVED_CLAIMS), ClaimLine.decision.not_in(APPROVED_LINES)),
         0),
        (Claim.finance_stage.in_(FINANCE_ACCEPTED),
         sa.func.coalesce(ClaimLine.finance_amount, 0)),
        (Claim.finance_stage == FinanceStage.REJECTED, 0),
        else_=sa.func.coalesce(ClaimLine.approved_amount, 0))


def _groups(dimension: str) -> list:
    if dimension == "model":
        return [ProductModel.id, ProductModel.code, ProductModel.name]
    if dimension == "part":
        return [Part.id, Part.part_number, Part.name]
    if dimension == "batch":
        return [Unit.batch]
    if dimension == "province":
        return [Dealer.province]
    return [sa.extract("year", WarrantyCard.sale_date).label("year"),
            sa.extract("month", WarrantyCard.sale_date).label("month")]


def _key_label(dimension: str, row) -> tuple[str, str]:
    if dimension in ("model", "part"):
        return str(row[0]), f"{row[1]} {row[2]}"
    if dimension == "sale_month":
        month = f"{int(row[0]):04d}-{int(row[1]):02d}"
        return month, month
    return str(row[0]), str(row[0])


def _units(dimension: str, filters: Filters, user):
    groups = _groups(dimension)
    stmt = sold_from(sa.select(*groups, sa.func.count(WarrantyCard.id)).select_from(
        WarrantyCard)).join(ProductModel, ProductModel.id == Unit.model_id)
    if dimension == "part":
        stmt = stmt.join(part_models, part_models.c.model_id == Unit.model_id).join(
            Part, Part.id == part_models.c.part_id)
        if filters.part_id:
            stmt = stmt.where(Part.id == filters.part_id)
    return db.session.execute(stmt.where(*unit_clauses(filters, user)).group_by(*groups))


def _failures(dimension: str, filters: Filters, user):
    groups = _groups(dimension)
    if dimension == "part":
        stmt = failed_from(sa.select(
            *groups, sa.func.sum(sa.func.coalesce(ClaimLine.quantity, 1)),
            sa.func.sum(_line_cost(), type_=Money)).select_from(ClaimLine).join(
            Claim, Claim.id == ClaimLine.claim_id)).join(Part, Part.id == ClaimLine.part_id)
        stmt = stmt.where(line_counts(filters))
        if filters.part_id:
            stmt = stmt.where(ClaimLine.part_id == filters.part_id)
    else:
        stmt = failed_from(sa.select(*groups, sa.func.count(Claim.id),
                                     sa.func.sum(_claim_cost(), type_=Money)).select_from(Claim))
    stmt = stmt.join(ProductModel, ProductModel.id == Unit.model_id)
    return db.session.execute(stmt.where(*failure_clauses(filters, user)).group_by(*groups))


def rate_rows(dimension: str, filters: Filters, user=None) -> dict:
    """The two grouped queries behind a rate table, as plain lists (a snapshot stores them):
    ``units`` [key, label, units] and ``failures`` [key, label, failures, cost]."""
    units = [[*_key_label(dimension, row), int(row[-1])]
             for row in _units(dimension, filters, user)]
    failed = [[*_key_label(dimension, row), int(row[-2] or 0), str(money(row[-1] or 0))]
              for row in _failures(dimension, filters, user)]
    return {"units": units, "failures": failed}


def rate_table(dimension: str, found: dict) -> RateTable:
    """The rate table of ``rate_rows``' lists."""
    rows: dict[str, RateRow] = {}
    for key, label, units in found["units"]:
        rows[key] = RateRow(key, label, units=units)
    for key, label, failures, cost in found["failures"]:
        line = rows.setdefault(key, RateRow(key, label))
        line.failures, line.cost = failures, Decimal(cost)
    table = RateTable(dimension, list(rows.values()))
    if dimension == "part":  # every part fits many units: list those that failed
        table.rows = [r for r in table.rows if r.failures]
    else:
        table.total = RateRow("", _("Total"), sum(r.units for r in table.rows),
                              sum(r.failures for r in table.rows),
                              sum((r.cost for r in table.rows), ZERO))
    if dimension == "sale_month":
        table.rows.sort(key=lambda r: r.key)
    else:
        table.rows.sort(key=lambda r: (-(r.per_100 or Decimal(-1)), -r.failures, r.label))
    return table


def rate_by(dimension: str, filters: Filters, user=None) -> RateTable:
    """Units sold, failures, failures per 100 units, warranty cost and cost per unit sold, per
    group of ``dimension`` (model, part, batch, sale_month, province); two grouped queries."""
    return rate_table(dimension, rate_rows(dimension, filters, user))


def cost_per_unit(filters: Filters, user=None, by: str = "sale_month") -> RateTable:
    """Warranty cost / units sold, by month of sale or by model (the rate table's cost columns)."""
    return rate_by(by if by in ("sale_month", "model") else "sale_month", filters, user)


# ---------------------------------------------------------------- time from sale to failure


@dataclass
class Bucket:
    first: int | None
    last: int | None
    count: int = 0

    @property
    def label(self) -> str:
        if self.last is not None and self.last < 0:
            return _("Before the sale")
        if self.last is None:
            return _("over %(days)d days", days=self.first - 1)
        return _("%(first)d–%(last)d days", first=self.first, last=self.last)


@dataclass
class TimeToFailure:
    count: int
    buckets: list[Bucket]
    median: Decimal | None  # an even count takes the mean of the two middle values
    quartiles: tuple[Decimal, Decimal, Decimal] | None  # inclusive method, Q2 = the median


def _days(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def summarise_days(days: list[int]) -> TimeToFailure:
    """The histogram, the exact median and the quartiles of some days from sale to failure."""
    return summarise_day_counts(sorted(Counter(days).items()))


def _nth(counts: list[tuple[int, int]], ends: list[int], index: int) -> int:
    """The value at ``index`` of the sorted values that ``counts`` (value, how many) stand for."""
    return counts[bisect_right(ends, index)][0]


def summarise_day_counts(counts: list[tuple[int, int]]) -> TimeToFailure:
    """``summarise_days`` of the days given as (day, how many) in order of day: the same
    median and quartiles (statistics' inclusive method) without listing every failure."""
    buckets = [Bucket(first, last) for first, last in BUCKETS]
    for value, count in counts:
        next(b for b in buckets if b.last is None or value <= b.last).count += count
    if buckets[0].count == 0:  # a failure before the sale is a data error; show it only if any
        buckets = buckets[1:]
    ends = list(accumulate(count for _day, count in counts))
    total = ends[-1] if ends else 0
    if not total:
        return TimeToFailure(0, buckets, None, None)
    nth = lambda index: _nth(counts, ends, index)  # noqa: E731
    half = total // 2
    median = nth(half) if total % 2 else (nth(half - 1) + nth(half)) / 2
    quartiles = None
    if total > 1:
        points = []
        for i in range(1, 4):  # as statistics.quantiles(n=4, method="inclusive")
            j, delta = divmod(i * (total - 1), 4)
            points.append(_days((nth(j) * (4 - delta) + nth(j + 1) * delta) / 4))
        quartiles = tuple(points)
    return TimeToFailure(total, buckets, _days(median), quartiles)


def day_counts(filters: Filters, user=None) -> list[list[int]]:
    """[days from sale to failure, failures] in order of days, one grouped query."""
    days = days_to_failure()
    stmt = failed_from(sa.select(days, sa.func.count()).select_from(Claim))
    return [[int(d), int(n)] for d, n in db.session.execute(
        stmt.where(*failure_clauses(filters, user)).group_by(days).order_by(days))]


def time_to_failure(filters: Filters, user=None) -> TimeToFailure:
    """Days from sale (card's sale date) to failure (claim's failure date), per failure."""
    return summarise_day_counts(day_counts(filters, user))


# ---------------------------------------------------------------- Pareto of causes


@dataclass
class ParetoRow:
    key: str  # the fault_code or cause filter value
    label: str
    count: int
    share: Decimal = ZERO  # percent of all
    cumulative: Decimal = ZERO  # percent, running
    vital: bool = False  # among the few causes that make up the first 80 %


def pareto_counts(filters: Filters, user=None, by: str = "fault_code") -> list[list]:
    """The grouped query behind a Pareto, as plain lists (a snapshot stores them): [verdict,]
    cause id, code, description, failures."""
    if by == "verdict_cause":
        stmt = failed_from(sa.select(
            OwedPart.verdict, OwedPart.cause_code_id, FaultCode.code, FaultCode.description,
            sa.func.sum(OwedPart.quantity)).select_from(OwedPart).join(
            Claim, Claim.id == OwedPart.claim_id)).outerjoin(
            FaultCode, FaultCode.id == OwedPart.cause_code_id).where(OwedPart.verdict.is_not(None))
        groups = [OwedPart.verdict, OwedPart.cause_code_id, FaultCode.code, FaultCode.description]
        rows = db.session.execute(stmt.where(*failure_clauses(filters, user)).group_by(*groups))
        return [[Verdict(v).value, cid, code, desc, int(n)] for v, cid, code, desc, n in rows]
    stmt = failed_from(sa.select(Claim.fault_code_id, FaultCode.code, FaultCode.description,
                                 sa.func.count(Claim.id)).select_from(Claim)).outerjoin(
        FaultCode, FaultCode.id == Claim.fault_code_id)
    groups = [Claim.fault_code_id, FaultCode.code, FaultCode.description]
    rows = db.session.execute(stmt.where(*failure_clauses(filters, user)).group_by(*groups))
    return [[cid, code, desc, int(n)] for cid, code, desc, n in rows]


def _pareto_rows(counts: list[list], by: str) -> list[ParetoRow]:
    if by == "verdict_cause":
        return [ParetoRow(f"{Verdict(v).value}:{cid or ''}",
                          f"{Verdict(v).title} · {code} {desc}" if cid else Verdict(v).title,
                          n) for v, cid, code, desc, n in counts]
    return [ParetoRow(str(cid) if cid else NO_CODE,
                      f"{code} {desc}" if cid else _("No fault code"), n)
            for cid, code, desc, n in counts]


def pareto_of(counts: list[list], by: str) -> list[ParetoRow]:
    """The Pareto of ``pareto_counts``' lists: most first, each cause's share and the running
    share; the causes up to the one that takes the running share to 80 % are the vital few."""
    rows = sorted(_pareto_rows(counts, by), key=lambda r: (-r.count, r.label))
    total, running = sum(r.count for r in rows), 0
    for row in rows:
        row.vital = running * 100 < 80 * total
        running += row.count
        row.share = _ratio(row.count, total, 100)
        row.cumulative = _ratio(running, total, 100)
    return rows


def pareto(filters: Filters, user=None, by: str = "fault_code") -> list[ParetoRow]:
    """Failures per cause, most first, with each cause's share and the running share."""
    return pareto_of(pareto_counts(filters, user, by), by)


# ---------------------------------------------------------------- the whole page


def page_counts(filters: Filters, user=None) -> dict:
    """Every count the overview shows, as plain lists: what a snapshot stores."""
    return {"rates": {d: rate_rows(d, filters, user) for d in DIMENSIONS},
            "days": day_counts(filters, user),
            "pareto": {by: pareto_counts(filters, user, by) for by in PARETO_BY}}


# ---------------------------------------------------------------- the drill-down


def claims_behind(filters: Filters, user=None):
    """A SELECT of the claims counted under ``filters`` (narrowed to the clicked group)."""
    return failed_from(sa.select(Claim).select_from(Claim)).where(
        *failure_clauses(filters, user))
