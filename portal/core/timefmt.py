"""How values read on a page: stored UTC times in Asia/Shanghai, amounts with thousands
separators."""

from datetime import UTC, date, datetime
from decimal import Decimal

from flask_babel import format_date, format_datetime

from portal.core.db import SHANGHAI

# The patterns pages use, as strftime formats: same digits in every locale, and a list of
# rows formats dozens of times per page, where Babel's general formatter costs ~20 µs each.
STRFTIME = {"yyyy-MM-dd HH:mm": "%Y-%m-%d %H:%M", "yyyy-MM-dd": "%Y-%m-%d"}


def localtime(value, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """A stored (UTC) time as Shanghai wall-clock time."""
    if not value:
        return ""
    pattern = STRFTIME.get(fmt)
    if pattern and isinstance(value, datetime) and value.year >= 1000:
        return _in_shanghai(value).strftime(pattern)
    return format_datetime(value, fmt)


def plaindate(value) -> str:
    """A date, or the Shanghai date of a stored time, as yyyy-MM-dd."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = _in_shanghai(value)
    if isinstance(value, date) and value.year >= 1000:
        return value.strftime("%Y-%m-%d")
    return format_date(value, "yyyy-MM-dd")


def _in_shanghai(value: datetime) -> datetime:
    # As Flask-Babel's to_user_timezone: a naive time is UTC.
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(SHANGHAI)


def grouped(value):
    """Every Decimal a template prints, thousands separated (12,345.60): money is Decimal with
    two places, and a clerk reads 12,345.60 at a glance where 12345.60 must be counted. Only the
    separators are added, never digits changed or removed (hours stay 2.5). A value that goes
    back into a form field is printed with ``|string`` so that the field gets plain digits."""
    if isinstance(value, Decimal) and value.is_finite():
        return format(value, ",")
    return value


def register_filters(app):
    app.jinja_env.finalize = grouped
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["plaindate"] = plaindate
    app.jinja_env.filters["yuan"] = lambda value: "" if value is None else f"¥{value:,.2f}"
    # A signed amount in a ledger column: thousands separated, two places, no currency sign.
    app.jinja_env.filters["amount"] = lambda value: "" if value is None else f"{value:,.2f}"
