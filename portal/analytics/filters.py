"""What failure analytics count, narrowed by the filters of a query string.

- **Units sold**: units with a warranty card in force (not void), by the card's sale date; the
  dealer and province are the *selling* dealer's (the card's).
- **Failures**: claims past draft and not rejected outright (or, "approved only", technically
  approved ones), by failure date, on units sold that pass the same filters. Part figures count
  the quantity of part lines not rejected (approved or reduced, when approved only).
- **Scope**: a sales rep counts the units its dealers sold and the claims its dealers filed on
  them; a dealer user only its own. Everyone else counts everything.
"""

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from portal.catalog.models import part_models
from portal.claims.models import Claim, ClaimLine, ClaimStatus, Decision, LineKind
from portal.core.converters import parsed_id
from portal.core.regions import PROVINCES
from portal.dealers.models import Dealer
from portal.dealers.scope import in_scope, scoped
from portal.returns.models import OwedPart, Verdict
from portal.units.cards import CardStatus, WarrantyCard
from portal.units.coverage import add_months
from portal.units.models import Unit

FAILED = (ClaimStatus.SUBMITTED, ClaimStatus.UNDER_REVIEW, ClaimStatus.APPROVED,
          ClaimStatus.PARTLY_APPROVED)
APPROVED_CLAIMS = (ClaimStatus.APPROVED, ClaimStatus.PARTLY_APPROVED)
APPROVED_LINES = (Decision.APPROVED, Decision.REDUCED)
IN_FORCE = WarrantyCard.status != CardStatus.VOID
NO_CODE = "none"  # the fault-code filter's value for claims without a fault code


class days_between(FunctionElement):
    """Whole days from one date column to another, on SQLite and PostgreSQL alike."""

    type = sa.Integer()
    inherit_cache = True


@compiles(days_between)
def _days_between(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"({later} - {earlier})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def days_to_failure():
    """Days from the card's sale date to the claim's failure date."""
    return days_between(Claim.failure_date, WarrantyCard.sale_date)


@dataclass(frozen=True)
class Filters:
    sale_from: date | None = None  # first day of the first month of sale
    sale_to: date | None = None  # first day of the last month of sale (inclusive)
    failed_from: date | None = None
    failed_to: date | None = None
    model_id: int | None = None
    part_id: int | None = None
    batch: str = ""
    province: str = ""
    dealer_id: int | None = None  # the selling dealer
    approved_only: bool = False
    fault_code: str = ""  # a fault code id, or NO_CODE
    cause: str = ""  # "<verdict>:<cause code id or empty>" of a returned part
    days_from: int | None = None  # days from sale to failure
    days_to: int | None = None

    def narrowed(self, **values) -> "Filters":
        """These filters and one more: the group a chart's bar or a table's row stands for."""
        return replace(self, **values)

    def args(self) -> dict:
        """The filters as query-string arguments (those set), for links and the Excel export."""
        return self.narrowed_args()

    def narrowed_args(self, **values) -> dict:
        """``self.narrowed(**values).args()`` without building the filters: a page links every
        row of its tables this way."""
        out = {}
        for name in _NAMES:
            value = values[name] if name in values else getattr(self, name)
            if value is None or value == "" or value is False:
                continue
            if name in ("sale_from", "sale_to"):
                value = value.strftime("%Y-%m")
            elif name == "approved_only":
                value = "1"
            out[name] = value.isoformat() if isinstance(value, date) else value
        return out


_NAMES = tuple(f.name for f in fields(Filters))


def _month(text: str, errors: list) -> date | None:
    try:
        year, month = (int(p) for p in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        errors.append(_("Enter months like 2026-03."))
        return None


def _day(text: str, errors: list) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(_("Enter dates like 2026-03-01."))
        return None


def _int(text: str) -> int | None:
    return int(text) if text.strip().lstrip("-").isdigit() and len(text) < 10 else None


def parse_filters(args: Mapping) -> tuple[Filters, list[str]]:
    """The filters of a query string, and messages for what cannot be read (left out)."""
    errors: list[str] = []
    get = lambda name: str(args.get(name, "")).strip()  # noqa: E731
    months = {n: _month(get(n), errors) if get(n) else None for n in ("sale_from", "sale_to")}
    days = {n: _day(get(n), errors) if get(n) else None for n in ("failed_from", "failed_to")}
    cause = get("cause")
    verdict, _sep, code = cause.partition(":")
    if verdict not in {v.value for v in Verdict} or (code and not code.isdigit()):
        cause = ""
    fault = get("fault_code")
    filters = Filters(
        **months, **days, model_id=parsed_id(get("model_id")), part_id=parsed_id(get("part_id")),
        batch=get("batch")[:40], province=get("province") if get("province") in PROVINCES else "",
        dealer_id=parsed_id(get("dealer_id")), approved_only=get("approved_only") == "1",
        fault_code=fault if fault == NO_CODE or fault.isdigit() else "", cause=cause,
        days_from=_int(get("days_from")), days_to=_int(get("days_to")))
    for low, high in (("sale_from", "sale_to"), ("failed_from", "failed_to")):
        if getattr(filters, low) and getattr(filters, high) and \
                getattr(filters, low) > getattr(filters, high):
            errors.append(_("The start is after the end."))
    return filters, errors


def unit_clauses(filters: Filters, user) -> list:
    """Units sold that pass the filters: on WarrantyCard, Unit and the selling Dealer."""
    f = filters
    where = [IN_FORCE]
    if scoped(user):
        where.append(in_scope(WarrantyCard.dealer_id, user))
    if f.sale_from:
        where.append(WarrantyCard.sale_date >= f.sale_from)
    if f.sale_to:
        where.append(WarrantyCard.sale_date < add_months(f.sale_to, 1))
    if f.model_id:
        where.append(Unit.model_id == f.model_id)
    if f.part_id:
        where.append(Unit.model_id.in_(
            sa.select(part_models.c.model_id).where(part_models.c.part_id == f.part_id)))
    if f.batch:
        where.append(Unit.batch == f.batch)
    if f.province:
        where.append(Dealer.province == f.province)
    if f.dealer_id:
        where.append(WarrantyCard.dealer_id == f.dealer_id)
    return where


def line_counts(filters: Filters):
    """The part lines that count as failed parts."""
    if filters.approved_only:
        return sa.and_(ClaimLine.kind == LineKind.PART, ClaimLine.decision.in_(APPROVED_LINES))
    return sa.and_(ClaimLine.kind == LineKind.PART, ClaimLine.decision != Decision.REJECTED)


def failure_clauses(filters: Filters, user) -> list:
    """Failures that pass the filters: on Claim joined to its unit, card in force and dealer."""
    f = filters
    where = [*unit_clauses(f, user),
             Claim.status.in_(APPROVED_CLAIMS if f.approved_only else FAILED)]
    if scoped(user):
        where.append(in_scope(Claim.dealer_id, user))
    if f.failed_from:
        where.append(Claim.failure_date >= f.failed_from)
    if f.failed_to:
        where.append(Claim.failure_date <= f.failed_to)
    if f.part_id:  # its own claim lines, also under a SELECT from the lines (by part)
        where.append(sa.exists().where(ClaimLine.claim_id == Claim.id, line_counts(f),
                                       ClaimLine.part_id == f.part_id)
                     .correlate_except(ClaimLine))
    if f.fault_code == NO_CODE:
        where.append(Claim.fault_code_id.is_(None))
    elif f.fault_code:
        where.append(Claim.fault_code_id == int(f.fault_code))
    if f.cause:
        verdict, _sep, code = f.cause.partition(":")
        where.append(sa.exists().where(
            OwedPart.claim_id == Claim.id, OwedPart.verdict == verdict,
            OwedPart.cause_code_id == int(code) if code else OwedPart.cause_code_id.is_(None)))
    if f.days_from is not None:
        where.append(days_to_failure() >= f.days_from)
    if f.days_to is not None:
        where.append(days_to_failure() <= f.days_to)
    return where


def sold_from(stmt):
    """Join a SELECT from WarrantyCard to its unit and selling dealer."""
    return stmt.join(Unit, Unit.id == WarrantyCard.unit_id).join(
        Dealer, Dealer.id == WarrantyCard.dealer_id)


def failed_from(stmt):
    """Join a SELECT from Claim to its unit, the unit's card in force and the selling dealer."""
    return (stmt.join(Unit, Unit.id == Claim.unit_id)
            .join(WarrantyCard, sa.and_(WarrantyCard.unit_id == Unit.id, IN_FORCE))
            .join(Dealer, Dealer.id == WarrantyCard.dealer_id))
