"""What the maker owes the dealer for a completed exchange or refund case, as its arithmetic.

The fund flow of seed 000 (资金流: 退货折扣, 冲账, 补差 / 返差), between maker and dealer; the
buyer has had his machine or his whole invoice price from the dealer already (第四条: the seller
answers to the buyer and recovers from the maker):

- **Return credit (退货折扣)**: the failed machine goes back to the factory, so the maker
  credits the dealer its dealer price (``ProductModel.dealer_price``) times the rate of the
  discount standard (``DiscountRate``) for its category and its whole months in use, counted
  from the day its clocks started (``clock_start``) to the day of the exchange or refund.
- **The replacement** (exchange only): a machine placed from the factory on the case is goods
  the dealer receives, so it is charged: at the failed machine's price, and where it has
  another price, the difference as 补差 (dearer: the dealer pays it) or 返差 (cheaper: the maker
  pays it back). A machine from the dealer's own stock is already his and charges nothing.

With the same model from the factory and a rate of 100 %, the dealer is even: the maker took one
machine and gave one. ``amount`` is signed: positive, the maker owes the dealer (it lowers his
receivable once a write-off notice carrying it is confirmed); negative, the dealer owes it.

Prices and rates are read as they stand now; finance's approval of the settlement keeps the
figures it approved.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.cases.models import CaseKind, CaseStatus, SanbaoCase
from portal.catalog.models import DiscountRate, ModelCategory
from portal.claims.repairs import clock_start
from portal.core.db import money
from portal.extensions import db

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class SettlementLine:
    key: str  # return_credit | replacement | difference (补差 / 返差) | own_stock
    label: str
    arithmetic: str
    amount: Decimal  # signed: + the maker owes the dealer


@dataclass(frozen=True)
class Settlement:
    """The lines and their sum; ``problem`` says why it cannot be worked out (then no lines)."""

    lines: tuple[SettlementLine, ...] = ()
    problem: str | None = None
    months_in_use: int | None = None
    rate: Decimal | None = None

    @property
    def amount(self) -> Decimal:
        return money(sum((line.amount for line in self.lines), ZERO))


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (the 15th to the 14th of the next month is 0)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(months, 0)


def rate_for(category: ModelCategory, months: int) -> Decimal | None:
    """The discount standard's rate (per cent) for a machine of ``category`` after ``months``
    whole months in use: the row with the greatest ``from_month`` not above it."""
    return db.session.scalar(
        sa.select(DiscountRate.rate)
        .where(DiscountRate.category == category, DiscountRate.from_month <= months)
        .order_by(DiscountRate.from_month.desc()).limit(1))


def _yuan(value: Decimal) -> str:
    return f"¥{money(value):,.2f}"


def _return_credit(case: SanbaoCase, months: int, rate: Decimal) -> SettlementLine:
    model = case.unit.model
    credit = money(model.dealer_price * rate / HUNDRED)
    return SettlementLine("return_credit", _("Return credit (退货折扣) for the failed machine"), _(
        "dealer price of %(model)s %(price)s × %(rate)s %% (%(category)s, %(months)d months in "
        "use) = %(amount)s", model=model.code, price=_yuan(model.dealer_price),
        rate=f"{rate.normalize():f}", category=model.category.title, months=months,
        amount=_yuan(credit)), credit)


def _replacement(case: SanbaoCase) -> list[SettlementLine]:
    failed, replacement = case.unit.model, case.replacement.model
    if not case.replacement_from_factory:
        return [SettlementLine("own_stock", _("Replacement from the dealer's own stock"), _(
            "%(serial)s was already the dealer's: nothing charged",
            serial=case.replacement.serial), ZERO)]
    lines = [SettlementLine("replacement", _("Replacement machine from the factory"), _(
        "%(serial)s at the failed machine's dealer price: − %(price)s",
        serial=case.replacement.serial, price=_yuan(failed.dealer_price)),
        -money(failed.dealer_price))]
    difference = money(replacement.dealer_price - failed.dealer_price)
    if difference:
        label = (_("补差: the replacement is dearer") if difference > 0 else
                 _("返差: the replacement is cheaper"))
        lines.append(SettlementLine("difference", label, _(
            "%(new_model)s %(new)s − %(old_model)s %(old)s = %(difference)s",
            new_model=replacement.code, new=_yuan(replacement.dealer_price),
            old_model=failed.code, old=_yuan(failed.dealer_price),
            difference=_yuan(difference)), -difference))
    return lines


def _problem(case: SanbaoCase) -> str | None:
    if case.status != CaseStatus.COMPLETED:
        return _("The settlement is worked out once the case is completed.")
    models = [case.unit.model]
    if case.kind == CaseKind.EXCHANGE and case.replacement_from_factory:
        models.append(case.replacement.model)
    for model in models:
        if model.dealer_price is None:
            return _("Model %(model)s has no dealer price: the administrator sets it in the "
                     "catalogue.", model=model.code)
    return None


def settlement_of(case: SanbaoCase) -> Settlement:
    """The maker's settlement with the dealer for a completed case, line by line."""
    if (problem := _problem(case)) is not None:
        return Settlement(problem=problem)
    months = months_between(clock_start(case.card), case.completed_on)
    rate = rate_for(case.unit.model.category, months)
    if rate is None:
        return Settlement(problem=_(
            "The discount standard has no rate for %(category)s after %(months)d months in use: "
            "the administrator sets it in the catalogue.",
            category=case.unit.model.category.title, months=months), months_in_use=months)
    lines = [_return_credit(case, months, rate)]
    if case.kind == CaseKind.EXCHANGE:
        lines += _replacement(case)
    return Settlement(tuple(lines), months_in_use=months, rate=rate)
