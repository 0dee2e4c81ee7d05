"""Finding a repair record by what a person has in hand: the claim number, the unit's serial, or
the dealer (its code, or a piece of its name). One definition for every list a person works
down whose rows are claims or hang off one (old parts, finance's audit), so a term finds the
same records on each.

Numbers, serials and codes are matched from their start, as index ranges (``starts_with``); a
dealer's name anywhere in it, among the few hundred dealers, so that "济南" finds 济南丰收.
"""

import sqlalchemy as sa

from portal.claims.models import Claim
from portal.core.db import starts_with
from portal.dealers.models import Dealer
from portal.units.models import Unit


def dealers_matching(q: str):
    """The ids of the dealers whose code starts with ``q`` or whose name holds it."""
    return sa.select(Dealer.id).where(sa.or_(starts_with(Dealer.code, q.upper()),
                                             Dealer.name.contains(q, autoescape=True)))


def claim_matches(q: str):
    """The condition on ``Claim`` of a search for ``q``: its number or its unit's serial starts
    with it, or its dealer is one ``dealers_matching`` finds."""
    code = q.upper()
    units = sa.select(Unit.id).where(starts_with(Unit.serial, code))
    return sa.or_(starts_with(Claim.number, code), Claim.unit_id.in_(units),
                  Claim.dealer_id.in_(dealers_matching(q)))


def claims_matching(q: str):
    """The ids of the claims a search for ``q`` finds: for lists whose rows hang off a claim."""
    return sa.select(Claim.id).where(claim_matches(q))


def searched_claims(stmt, q: str, claim_id=None):
    """``stmt`` narrowed to what a search for ``q`` finds (unchanged for an empty ``q``): its
    claims themselves, or, given the column holding their claim (``claim_id``), its rows."""
    q = q.strip()
    if not q:
        return stmt
    return stmt.where(claim_matches(q) if claim_id is None else
                      claim_id.in_(claims_matching(q)))
