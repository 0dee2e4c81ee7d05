"""What counts as a number typed into a form, sent in a JSON body or read from a workbook: the
one definition every decimal input uses before its own range and places."""

from decimal import Decimal, InvalidOperation

# Larger than any amount, rate, hour or reading the portal keeps (money is NUMERIC(12, 2)); a
# number beyond it, like 1e999999, is finite yet cannot be rounded or stored.
LARGEST = Decimal("1e15")


def finite_decimal(value) -> Decimal | None:
    """``value`` (text, or a number from a JSON body or a workbook) as a Decimal; None when it
    is no finite number of a sane size: NaN, sNaN and the infinities are no amount."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() and abs(number) < LARGEST else None
