"""Finding a unit, and the records about it, by what a person has in hand.

A scanned code: the nameplate's QR code holds the serial number (出厂编号) as plain text, or a
URL of the maker's that carries it (``…?sn=SERIAL`` or ``…/SERIAL`` as the last path segment), or
a labelled text (``出厂编号:SERIAL`` / ``SN:SERIAL``). The delivery note's QR code (printed on the
portal's 销售发货清单, ``templates/deliveries/note_pdf.html``) holds the note's number,
``FH-2026-00001``.

A work queue's search box: the record's number, the unit's serial, or the dealer (its code, or a
piece of its name). One definition for every list a person works down whose rows are about one
unit at one dealer: claims and what hangs off them (``portal.claims.search``), exchange and refund
cases, stock returns, complaints; and, by number or dealer, for the lists of records about no one
unit (delivery notes, stocking plans, write-off notices). A term finds the same way on each.
Numbers, serials and codes match from their start, as index ranges (``starts_with``); a dealer's
name anywhere in it, among the few hundred dealers, so that "济南" finds 济南丰收.
"""

import re
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from flask import has_request_context
from flask_login import current_user

from portal.core.db import starts_with
from portal.core.numbering import SCHEMES
from portal.dealers.models import Dealer
from portal.dealers.scope import scoped, visible_dealer_ids
from portal.extensions import db
from portal.units.models import Unit

LABELLED = re.compile(r"^(?:出厂编号|编号|S/?N|SERIAL)\s*[:：=]\s*(\S+)", re.IGNORECASE)
SERIAL_KEYS = ("sn", "serial", "serial_no")


class Code(NamedTuple):
    """What a scanned code names: a unit's ``serial`` or a delivery ``note`` number."""

    kind: str
    value: str


def read_code(text: str) -> Code | None:
    """The unit or delivery note a scanned (or typed) code names; None for an empty one."""
    text = (text or "").strip()
    if not text:
        return None
    if SCHEMES["delivery_note"].parse(text.upper()):
        return Code("note", text.upper())
    if (labelled := LABELLED.match(text)) is not None:
        return Code("serial", labelled[1].upper())
    if re.match(r"^https?://", text, re.IGNORECASE):
        return _from_url(text)
    return Code("serial", text.split()[0].upper())


def _from_url(url: str) -> Code | None:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    for key in SERIAL_KEYS:
        if query.get(key):
            return Code("serial", query[key][0].strip().upper())
    last = parts.path.rstrip("/").rsplit("/", 1)[-1]
    return Code("serial", last.upper()) if last else None


def matching(stmt, q: str, user):
    """Narrow a SELECT of units to those whose serial or engine number starts with ``q``, or,
    for digits, whose serial ends with them (the last digits on a nameplate).

    The suffix match is a ``LIKE '%1234'`` no index answers, so it is offered only to a user
    whose scope is bounded by dealer (its index narrows the rows first: a dealer's units, a
    rep's dealers'); head office searches the start, which an index range answers."""
    q = q.strip().upper()
    if not q:
        return stmt
    found = sa.or_(starts_with(Unit.serial, q), starts_with(Unit.engine_no, q))
    if q.isdigit() and scoped(user):
        found = sa.or_(found, Unit.serial.endswith(q, autoescape=True))
    return stmt.where(found)


def dealers_matching(q: str):
    """The ids of the dealers whose code starts with ``q`` or whose name holds it."""
    return sa.select(Dealer.id).where(Dealer.matching(q))


def units_matching(q: str):
    """The ids of the units whose serial starts with ``q``."""
    return sa.select(Unit.id).where(starts_with(Unit.serial, q.strip().upper()))


def record_matches(q: str, number, unit_id, dealer_id):
    """The condition of a search for ``q`` on a record whose ``number``, ``unit_id`` and
    ``dealer_id`` columns are given: its number or its unit's serial starts with ``q``, or its
    dealer is one ``dealers_matching`` finds. A record about no one unit (a delivery note, a
    plan, a notice) gives no ``unit_id``: its number or its dealer. A user who sees one
    dealer finds all of it by its code or name, and otherwise by number or serial."""
    return sa.or_(*record_terms(q, number, unit_id, dealer_id))


def record_terms(q: str, number, unit_id, dealer_id) -> list:
    """The ways ``record_matches`` finds a record, one condition each (any of them matches):
    for a list that pages each through an index of its own (``union_page``)."""
    found = [starts_with(number, q.upper())]
    own = _own_dealer()
    if own is None:
        found.append(dealer_id.in_(dealers_matching(q)))
    elif _is_matched(own, q):
        return [sa.true()]  # the user's own dealer matches: all it sees
    if unit_id is not None:
        found.append(unit_id.in_(units_matching(q)))
    return found


def _own_dealer() -> int | None:
    """The one dealer the signed-in user sees (a dealer's own user; a rep of one dealer), else
    None. Such a search never asks the database which dealer: left out, the dealer's
    (dealer_id, number) index answers a number's search, where an OR with dealer ids has SQLite
    walk all that dealer's rows."""
    if not has_request_context() or not current_user.is_authenticated:
        return None
    ids = visible_dealer_ids(current_user)
    return ids[0] if ids is not None and len(ids) == 1 else None


def _is_matched(dealer_id: int, q: str) -> bool:
    return db.session.scalar(sa.select(dealers_matching(q).where(Dealer.id == dealer_id)
                                       .exists())) or False


def searched(stmt, q: str, number, unit_id, dealer_id):
    """``stmt`` narrowed to the records a search for ``q`` finds (unchanged for an empty one)."""
    q = q.strip()
    return stmt.where(record_matches(q, number, unit_id, dealer_id)) if q else stmt
