"""Keyset pagination: the next page starts after the last row seen, never at an OFFSET."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app, request

from portal.core.converters import ID_MAX
from portal.core.decimals import finite_decimal
from portal.extensions import db


@dataclass
class Page:
    items: list
    next_cursor: str | None


def encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


CURSOR_MAX = 200  # longer than any this module makes


def decode_cursor(cursor: str | None) -> list | None:
    """The [sort value, id] a cursor carries; None (the first page) for anything a tampered
    or truncated cursor might hold instead: an id must name a record, a value be plain."""
    if not cursor or len(cursor) > CURSOR_MAX:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, binascii.Error):
        return None
    if not (isinstance(values, list) and len(values) == 2):
        return None
    value, last_id = values
    if not _whole(last_id) or last_id < 0:
        return None
    return values if value is None or isinstance(value, str) or _whole(value) else None


def keyset_page(stmt, sort_col, id_col, cursor: str | None, size: int, descending=False,
                keys_first=False, rows=False):
    """Run ``stmt`` ordered by (sort_col, id_col) and return one page plus the next cursor.
    ``keys_first`` for a SELECT no index walks in order (``rows_by_keys``); ``rows`` for a
    SELECT of columns (plain rows, which must name ``sort_col`` and ``id_col`` by their keys),
    not of records."""
    if (after_last := _after_last(sort_col, id_col, cursor, descending)) is not None:
        stmt = stmt.where(after_last)
    stmt = stmt.order_by(*_order(sort_col, id_col, descending)).limit(size + 1)
    if keys_first:
        found = rows_by_keys(stmt, id_col, rows=rows)
    else:
        found = db.session.execute(stmt).all() if rows else db.session.scalars(stmt).all()
    return _page(found, sort_col, id_col, size)


def union_page(branches, load, sort_col, id_col, cursor: str | None, size: int,
               descending=False, rows=False) -> Page:
    """One page of the rows any of ``branches`` selects (the terms of an OR), by (sort_col,
    id_col): a page of keys from each branch, which an index of its own walks in order, merged;
    then those rows as ``load`` (a SELECT of the records, with their loading options) gives
    them. An OR of two columns is otherwise gathered whole and sorted: every service entry of a
    dealer, to show 25 (a cost that grows with the table, not with the page). ``rows`` as
    ``keyset_page``."""
    after_last = _after_last(sort_col, id_col, cursor, descending)
    order = _order(sort_col, id_col, descending)
    columns = (id_col,) if sort_col is id_col else (id_col, sort_col)
    keys = []
    for branch in branches:
        branch = branch.with_only_columns(*columns)
        if after_last is not None:
            branch = branch.where(after_last)
        keys.append(sa.select(branch.order_by(*order).limit(size + 1).subquery()))
    merged = sa.union(*keys).subquery()
    merged_id, merged_sort = merged.c[id_col.key], merged.c[sort_col.key]
    ids = (sa.select(merged_id).order_by(*_order(merged_sort, merged_id, descending))
           .limit(size + 1))  # the page's keys, which the rows are then read by, in one statement
    stmt = load.where(id_col.in_(ids)).order_by(*_order(sort_col, id_col, descending))
    found = db.session.execute(stmt).all() if rows else db.session.scalars(stmt).all()
    return _page(found, sort_col, id_col, size)


def keyset_keys(stmt, sort_col, id_col, cursor: str | None, size: int,
                descending=False) -> list:
    """The ids of the rows ``keyset_page`` would show (and one more when more follow), without
    loading the rows: to see whether a page fills before loading it."""
    if (after_last := _after_last(sort_col, id_col, cursor, descending)) is not None:
        stmt = stmt.where(after_last)
    return db.session.scalars(stmt.with_only_columns(id_col).order_by(
        *_order(sort_col, id_col, descending)).limit(size + 1)).all()


def page_of_keys(load, ids: list, sort_col, id_col, size: int, descending=False,
                 rows=False) -> Page:
    """The page of the rows ``ids`` names (one more than ``size`` when more follow), as
    ``load`` (a SELECT of the records, with their loading options; of columns with ``rows``)
    gives them, in order."""
    if not ids:
        return Page(items=[], next_cursor=None)
    stmt = load.where(id_col.in_(ids)).order_by(*_order(sort_col, id_col, descending))
    found = db.session.execute(stmt).all() if rows else db.session.scalars(stmt).all()
    return _page(found, sort_col, id_col, size)


def _after_last(sort_col, id_col, cursor: str | None, descending: bool):
    """The WHERE clause of the rows after the cursor's, or None on the first page."""
    after = decode_cursor(cursor)
    if after is None or (value := _from_key(sort_col, after[0])) is _BAD:
        return None
    last_id = after[1]
    if descending:
        return sa.or_(sort_col < value, sa.and_(sort_col == value, id_col < last_id))
    return sa.or_(sort_col > value, sa.and_(sort_col == value, id_col > last_id))


def _order(sort_col, id_col, descending: bool) -> tuple:
    return (sort_col.desc(), id_col.desc()) if descending else (sort_col, id_col)


def _page(rows: list, sort_col, id_col, size: int) -> Page:
    """The first ``size`` of ``rows`` (one more asked for), and the cursor after them if the
    extra row came."""
    items = rows[:size]
    next_cursor = None
    if len(rows) > size:
        last = items[-1]
        next_cursor = encode_cursor([_key(getattr(last, sort_col.key)), getattr(last, id_col.key)])
    return Page(items=items, next_cursor=next_cursor)


def list_select(queue, scope, user, now: datetime):
    """What a list page starts from: the records of the work queue the request asks for (at
    ``now``), else every record ``scope(user)`` selects."""
    return queue.select(user, now) if queue else scope(user)


def rows_by_keys(stmt, id_col, rows=False) -> list:
    """``stmt``'s rows (ordered and limited) in two steps: its ids, then those rows (plain
    rows with ``rows``). Where the database must sort what it found rather than walk an index
    in order (a dealer's entries by either of two columns), it then sorts thousands of keys,
    not thousands of whole rows."""
    ids = db.session.scalars(stmt.with_only_columns(id_col)).all()
    if not ids:
        return []
    stmt = stmt.limit(None).where(id_col.in_(ids))
    return db.session.execute(stmt).all() if rows else db.session.scalars(stmt).all()


def list_page(stmt, queue, sort_col, id_col, *, descending: bool = True,
              keys_first: bool = False, rows: bool = False) -> Page:
    """The page of ``stmt`` the request's cursor asks for, of the configured size: in the
    queue's order when the request asks for a queue, else by ``sort_col`` (newest first unless
    told otherwise; ``keys_first`` as ``keyset_page``)."""
    if queue:
        return queue_page(stmt, queue, rows=rows)
    return request_page(stmt, sort_col, id_col, descending=descending, keys_first=keys_first,
                        rows=rows)


def queue_page(stmt, queue, rows: bool = False) -> Page:
    """The page of ``stmt`` (``queue``'s SELECT, narrowed) the request's cursor asks for, in
    the queue's order."""
    return queue.page(stmt, request.args.get("after"), current_app.config["PAGE_SIZE"],
                      rows=rows)


def request_page(stmt, sort_col, id_col, *, descending: bool = False,
                 size: int | None = None, keys_first: bool = False, rows: bool = False) -> Page:
    """The page of ``stmt`` by (``sort_col``, ``id_col``) that the request's cursor (``after``)
    asks for: ``size`` rows, the configured page size unless told."""
    return keyset_page(stmt, sort_col, id_col, request.args.get("after"),
                       size or current_app.config["PAGE_SIZE"], descending=descending,
                       keys_first=keys_first, rows=rows)


def _key(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


_BAD = object()


def _whole(value) -> bool:
    """An integer a 32-bit column can hold (a bool is no number here)."""
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= ID_MAX


def _from_key(sort_col, value):
    """A cursor value back as the column's type (dates and times travel as ISO text); _BAD
    when it is not of that type, or out of its range: a tampered cursor starts from the
    beginning rather than reach the database as a query it refuses."""
    column_type = getattr(sort_col.type, "impl_instance", sort_col.type)  # see TypeDecorator
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        return value
    if python_type is int:
        return value if _whole(value) else _BAD
    if python_type is Decimal:
        number = finite_decimal(value)
        return _BAD if number is None else number
    if python_type not in (date, datetime):
        return value if isinstance(value, str) else _BAD
    try:
        parsed = python_type.fromisoformat(value)
    except (TypeError, ValueError):
        return _BAD
    if isinstance(parsed, datetime) and parsed.tzinfo is None:
        return _BAD
    return parsed
