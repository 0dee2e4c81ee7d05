"""URL converters: the record ids a URL names."""

from werkzeug.routing import IntegerConverter

# Every table's key is a 32-bit INTEGER on PostgreSQL (SQLite's 64-bit one is wider): a larger
# number names no record, and would make the database refuse the query rather than find nothing.
ID_MAX = 2**31 - 1


def _up_to(limit: str) -> str:
    """A regular expression for the decimal numbers from 0 to ``limit``: those with fewer
    digits, then for each digit of ``limit`` those that match it so far and are lower there."""
    shorter = [rf"\d{{1,{len(limit) - 1}}}"]
    lower = [rf"{limit[:i]}[0-{int(d) - 1}]\d{{{len(limit) - i - 1}}}"
             for i, d in enumerate(limit) if d != "0"]
    return "(?:" + "|".join([*shorter, *lower, limit]) + ")"


class IdConverter(IntegerConverter):
    """``<id:claim_id>``: a record's id, 0 to ``ID_MAX``; any other number matches no route
    (404), never a query the database cannot run. The range is in the pattern, not only in
    ``to_python``: werkzeug answers 405 for a URL whose value only another method's rule
    (never converted) matched."""

    regex = _up_to(str(ID_MAX))

    def __init__(self, url_map, **kwargs):
        super().__init__(url_map, min=0, max=ID_MAX, **kwargs)


def register_converters(app) -> None:
    app.url_map.converters["id"] = IdConverter


def record_id(text) -> int:
    """A record's id from a query string or form (``request.args.get(name, type=record_id)``):
    ValueError, which makes it not given, unless a whole number in the converter's range."""
    value = int(text)
    if not 0 <= value <= ID_MAX:
        raise ValueError(text)
    return value


def parsed_id(value) -> int | None:
    """A record's id, or None when ``value`` is none (a form's text, a filter's)."""
    try:
        return record_id(value)
    except (TypeError, ValueError):
        return None
