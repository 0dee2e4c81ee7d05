"""Keyset pagination: the next page starts after the last row seen, never at an OFFSET."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from portal.extensions import db


@dataclass
class Page:
    items: list
    next_cursor: str | None


def encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> list | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, binascii.Error):
        return None
    return values if isinstance(values, list) and len(values) == 2 else None


def keyset_page(stmt, sort_col, id_col, cursor: str | None, size: int, descending=False):
    """Run ``stmt`` ordered by (sort_col, id_col) and return one page plus the next cursor."""
    after = _after(sort_col, cursor)
    if after is not None:
        value, last_id = after
        if descending:
            after_last = sa.or_(sort_col < value, sa.and_(sort_col == value, id_col < last_id))
        else:
            after_last = sa.or_(sort_col > value, sa.and_(sort_col == value, id_col > last_id))
        stmt = stmt.where(after_last)
    order = (sort_col.desc(), id_col.desc()) if descending else (sort_col, id_col)
    rows = db.session.scalars(stmt.order_by(*order).limit(size + 1)).all()
    items = rows[:size]
    next_cursor = None
    if len(rows) > size:
        last = items[-1]
        next_cursor = encode_cursor([_key(getattr(last, sort_col.key)), last.id])
    return Page(items=items, next_cursor=next_cursor)


def _key(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _after(sort_col, cursor: str | None) -> list | None:
    """The cursor's (sort value, id), dates turned back from ISO text to the column's type;
    None for no cursor or one that does not fit, which starts at the first page."""
    after = decode_cursor(cursor)
    if after is None:
        return None
    try:
        kind = sort_col.type.python_type
    except NotImplementedError:
        return after
    if kind not in (date, datetime):
        return after
    try:
        value = kind.fromisoformat(after[0])
    except (TypeError, ValueError):
        return None
    if isinstance(value, datetime) and value.tzinfo is None:
        return None  # timestamps are stored and sent in UTC
    return [value, after[1]]
