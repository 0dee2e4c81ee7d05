"""Finding service entries by what a caller gives: the entry's number, the start of the
customer's name, the phone number however it is written, the start of the unit's serial, or the
dealer the entry went to (the start of its code, a piece of its name).

Every term is the start of an indexed column, so an index answers it. The newest matches are
looked for among the newest entries first (a common term fills a page there at once); a rare
term is looked up in the indexes and only its matches are sorted.
"""

import re

import sqlalchemy as sa

from portal.core.db import starts_with
from portal.core.pagination import keyset_keys, keyset_page, page_of_keys
from portal.extensions import db
from portal.service.models import ServiceRequest, digits_only
from portal.units.models import Unit
from portal.units.search import dealers_matching

PHONE = re.compile(r"[\d\s+\-().]+")
RECENT = 2000  # how many of the newest entries the first look reads at most
FEW_UNITS = 100  # a term starting at most this many serials names their units by key


def _terms(q: str) -> list:
    """Each way ``q`` can match an entry: a condition on the entry's own columns, or (the
    serial) on its unit's."""
    upper = q.upper()
    terms = [starts_with(ServiceRequest.number, upper),
             starts_with(ServiceRequest.customer_name, q)]
    digits = digits_only(q)
    if digits and PHONE.fullmatch(q):
        terms.append(starts_with(ServiceRequest.phone_digits, digits))
    # The dealer it was routed to, found as every list finds a dealer (portal.units.search).
    terms.append(ServiceRequest.dealer_id.in_(dealers_matching(q)))
    return terms


def _serial(q: str):
    return starts_with(Unit.serial, q.upper())


def matches(q: str):
    """The condition of a search for ``q`` on an entry, row by row: for a work queue, which
    keeps its own order (oldest first) while it is searched."""
    return sa.or_(*_terms(q), _of_unit(q))


def _of_unit(q: str):
    """Row by row, the entry's unit's serial starts with ``q``. A term that starts few serials
    (a whole serial; digits, which start none) names those units by key, a list read once;
    only a common one reads each entry's unit by its key, where a page fills in a few rows
    (for a rare term that was every one of the newest entries' units, ~5 ms on SQLite)."""
    units = db.session.scalars(sa.select(Unit.id).where(_serial(q)).limit(FEW_UNITS + 1)).all()
    if len(units) <= FEW_UNITS:
        return ServiceRequest.unit_id.in_(units) if units else sa.false()
    return sa.exists().where(Unit.id == ServiceRequest.unit_id, _serial(q))


def search_page(stmt, q: str, cursor: str | None, size: int):
    """One page of the entries of ``stmt`` (the register's plain rows, ``listed``) that match
    ``q``, newest first."""
    terms = _terms(q)
    floor = db.session.scalar(stmt.with_only_columns(ServiceRequest.received_at)
                              .order_by(ServiceRequest.received_at.desc())
                              .offset(RECENT - 1).limit(1))
    by_row = matches(q)  # row by row: the entry's columns, its unit's serial (_of_unit)
    if floor is None:  # this user sees few entries: read them all
        return _page(stmt.where(by_row), cursor, size)
    recent = keyset_keys(stmt.where(ServiceRequest.received_at >= floor, by_row),
                         ServiceRequest.received_at, ServiceRequest.id, cursor, size,
                         descending=True)
    if len(recent) > size:  # a full page among the newest: nothing older comes before it
        return page_of_keys(stmt, recent, ServiceRequest.received_at, ServiceRequest.id, size,
                            descending=True, rows=True)
    # A rare term: each index gives its matches, and only they are sorted.
    found = sa.union(*(sa.select(ServiceRequest.id).where(term) for term in terms),
                     sa.select(ServiceRequest.id).join(Unit, Unit.id == ServiceRequest.unit_id)
                     .where(_serial(q)))
    return _page(stmt.where(ServiceRequest.id.in_(found)), cursor, size)


def _page(stmt, cursor, size):
    return keyset_page(stmt, ServiceRequest.received_at, ServiceRequest.id, cursor, size,
                       descending=True, keys_first=True, rows=True)
