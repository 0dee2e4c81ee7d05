"""Finding a record of a unit by what a person has in hand: the record's number, the unit's
serial, or the dealer (its code, or a piece of its name). One definition for every list a person
works down whose rows are about one unit at one dealer: claims and what hangs off them
(``portal.claims.search``), exchange and refund cases, stock returns. A term finds the same way
on each.

Numbers, serials and codes match from their start, as index ranges (``starts_with``); a
dealer's name anywhere in it, among the few hundred dealers, so that "济南" finds 济南丰收.
"""

import sqlalchemy as sa

from portal.core.db import starts_with
from portal.dealers.models import Dealer
from portal.units.models import Unit


def dealers_matching(q: str):
    """The ids of the dealers whose code starts with ``q`` or whose name holds it."""
    return sa.select(Dealer.id).where(sa.or_(starts_with(Dealer.code, q.upper()),
                                             Dealer.name.contains(q, autoescape=True)))


def record_matches(q: str, number, unit_id, dealer_id):
    """The condition of a search for ``q`` on a record whose ``number``, ``unit_id`` and
    ``dealer_id`` columns are given: its number or its unit's serial starts with ``q``, or its
    dealer is one ``dealers_matching`` finds."""
    code = q.upper()
    units = sa.select(Unit.id).where(starts_with(Unit.serial, code))
    return sa.or_(starts_with(number, code), unit_id.in_(units),
                  dealer_id.in_(dealers_matching(q)))


def searched(stmt, q: str, number, unit_id, dealer_id):
    """``stmt`` narrowed to the records a search for ``q`` finds (unchanged for an empty one)."""
    q = q.strip()
    return stmt.where(record_matches(q, number, unit_id, dealer_id)) if q else stmt
