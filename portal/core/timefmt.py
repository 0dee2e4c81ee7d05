"""Show stored UTC times in Asia/Shanghai."""

from datetime import UTC, date, datetime

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


def register_filters(app):
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["plaindate"] = plaindate
    app.jinja_env.filters["yuan"] = lambda value: "" if value is None else f"¥{value:,.2f}"
    # A signed amount in a ledger column: thousands separated, two places, no currency sign.
    app.jinja_env.filters["amount"] = lambda value: "" if value is None else f"{value:,.2f}"
