"""The rules of an exchange or refund case: pure functions of dates and amounts.

Sources, 《农业机械产品修理、更换、退货责任规定》(2010):
- 第四条: whoever sold the machine answers for its 三包 (谁销售谁负责); after an exchange or a
  refund the seller recovers from the maker where the fault is the maker's. The case is the
  dealer's (or the clerk's for it); the money side comes after.
- Exchange: the buyer gets a machine of the same model and specification, and its 三包 periods
  run again from the exchange date (the case's completion: ``portal/claims/repairs.py``).
- Refund: free of any charge to the buyer, the price on his purchase invoice (购机发票) paid back
  in full: ``refund_due`` shows it as arithmetic.
- Early choice: a failure within the first days after the sale lets the buyer choose an exchange
  instead of a repair (``EARLY_CHOICE_DAYS``; the published readings of the regulation give 15
  days from the sale).
Which repairs or failures make an exchange or refund due is the entitlement rules' business
(``portal/claims``); a case started from the buyer's request is judged by the technical
department.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _

from portal.cases.models import CaseKind

EARLY_CHOICE_DAYS = 15
# What a case may be opened for, by the kind of entitlement (the flag's kind value): an
# exchange is due, or (no machine of the same model and specification) a refund instead.
KINDS_FOR_FLAG = {"exchange": (CaseKind.EXCHANGE, CaseKind.REFUND),
                  "refund": (CaseKind.REFUND,)}
ZERO = Decimal("0.00")


def kinds_for_flag(flag_kind) -> tuple[CaseKind, ...]:
    """The case kinds an entitlement of this kind opens (none for a part replacement, which is
    a repair)."""
    return KINDS_FOR_FLAG.get(getattr(flag_kind, "value", flag_kind), ())


def early_choice_problem(sale_date: date, failed_on: date | None, today: date) -> str | None:
    """Why a failure does not give the buyer the early-days choice, or None when it does."""
    if failed_on is None:
        return _("Give the day the machine failed.")
    if failed_on > today:
        return _("This date cannot be in the future.")
    if failed_on < sale_date:
        return _("The machine failed before it was sold (%(day)s).", day=sale_date.isoformat())
    if (failed_on - sale_date).days > EARLY_CHOICE_DAYS:
        return _("The choice between exchange and repair holds for failures within "
                 "%(days)d days of the sale (%(day)s); this one came later.",
                 days=EARLY_CHOICE_DAYS, day=sale_date.isoformat())
    return None


@dataclass(frozen=True)
class RefundDue:
    """The refund the regulation gives, as its arithmetic: invoice price − charges = due."""

    invoice_amount: Decimal
    charges: Decimal
    due: Decimal


def refund_due(invoice_amount: Decimal) -> RefundDue:
    """A 三包 refund is the whole invoice price: the seller may charge the buyer nothing."""
    return RefundDue(invoice_amount, ZERO, invoice_amount - ZERO)
