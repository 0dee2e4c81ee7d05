"""Show stored UTC times in Asia/Shanghai."""

from flask_babel import format_date, format_datetime


def register_filters(app):
    app.jinja_env.filters["localtime"] = lambda value, fmt="yyyy-MM-dd HH:mm": (
        format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["plaindate"] = lambda value: (
        format_date(value, "yyyy-MM-dd") if value else ""
    )
    app.jinja_env.filters["category_title"] = _category_title
    app.jinja_env.filters["yuan"] = lambda value: "" if value is None else f"¥{value:,.2f}"
    # A signed amount in a ledger column: thousands separated, two places, no currency sign.
    app.jinja_env.filters["amount"] = lambda value: "" if value is None else f"{value:,.2f}"


def _category_title(value) -> str:
    from portal.catalog.models import ModelCategory

    member = ModelCategory.parse(value)
    return member.title if member else str(value)
