"""The maker's discount standard (折扣标准) and its upkeep by the administrator.

Seed 000's fund flow of an exchange or refund (资金流: 退货折扣, 冲账, 补差 / 返差): the failed
machine goes back to the maker, who credits the dealer its dealer price times a rate that the
maker sets per product and falls with the months the machine was in use. Here a category's
standard is its rows "from N whole months in use: rate %"; the settlement of a case
(``portal/cases/settlement.py``, ``rate_for``) reads the row with the greatest N not above the
machine's months. The 2010 regulation (第四条: the seller answers to the buyer and recovers from
the producer) leaves the rate to maker and dealer; the buyer's refund is never cut by it.

A category's standard is complete only with a row from 0 months: without one, a machine
returned sooner than its first row has no rate and its case cannot be settled.
"""

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.catalog.models import DiscountRate, ModelCategory
from portal.core import audit
from portal.core.audit import AuditEntry
from portal.core.errors import DomainError
from portal.extensions import db

MAX_MONTHS = 600
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Standard:
    """One category's rows, from the earliest month; complete once a row starts at 0."""

    category: ModelCategory
    rows: tuple[DiscountRate, ...]

    @property
    def complete(self) -> bool:
        return any(row.from_month == 0 for row in self.rows)


def standards() -> list[Standard]:
    """Every category that has rows, in the categories' order (one query)."""
    rows = db.session.scalars(sa.select(DiscountRate).order_by(DiscountRate.from_month)).all()
    return [Standard(category, tuple(r for r in rows if r.category == category))
            for category in ModelCategory if any(r.category == category for r in rows)]


def discount_problems(row: DiscountRate | None, category, from_month, rate) -> dict:
    """Where a row of the standard is wrong, by field: whole months from 0, one row per start
    month in a category, a rate above 0 and at most 100 per cent with two decimals."""
    problems = {}
    if ModelCategory.parse(category) is None:
        problems["category"] = _("Choose a model category.")
    if from_month is None or not 0 <= from_month <= MAX_MONTHS:
        problems["from_month"] = _("Enter whole months from 0 to %(n)d.", n=MAX_MONTHS)
    elif "category" not in problems and _taken(row, ModelCategory.parse(category), from_month):
        problems["from_month"] = _("This category already has a row from %(n)d months.",
                                   n=from_month)
    if rate is None or not rate.is_finite() or not 0 < rate <= HUNDRED:
        problems["rate"] = _("Enter a rate above 0 and at most 100 per cent.")
    elif rate.as_tuple().exponent < -2:
        problems["rate"] = _("At most two decimal places.")
    return problems


def _taken(row: DiscountRate | None, category: ModelCategory, from_month: int) -> bool:
    clash = db.session.get(DiscountRate, (category, from_month))
    return clash is not None and clash is not row


def save_discount_rate(row: DiscountRate | None, category, from_month: int, rate: Decimal, *,
                       actor) -> DiscountRate:
    """Add a row to a category's standard (row None) or change one; audited."""
    if problems := discount_problems(row, category, from_month, rate):
        field, message = next(iter(problems.items()))
        raise DomainError(message, field=field)
    values = {"category": ModelCategory.parse(category), "from_month": from_month,
              "rate": rate}
    return audit.create_or_update(DiscountRate, row, values, actor=actor)


def delete_discount_rate(row: DiscountRate, *, actor) -> None:
    """Take a row off its category's standard; audited."""
    audit.record("delete", row, actor=actor, changes={
        "from_month": (row.from_month, None), "rate": (row.rate, None)})
    db.session.delete(row)


def history(limit: int = 20):
    """The latest changes to the standard, any category."""
    return db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.entity_type == DiscountRate.__tablename__)
        .order_by(AuditEntry.id.desc()).limit(limit)).all()
