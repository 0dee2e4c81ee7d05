"""Finding a repair record by the claim number, the unit's serial or the dealer (code or name),
as every unit's record is found (``portal.units.search``): for every list a person works down
whose rows are claims or hang off one (old parts, finance's audit)."""

import sqlalchemy as sa

from portal.claims.models import Claim
from portal.units.search import record_matches


def claim_matches(q: str):
    """The condition on ``Claim`` of a search for ``q``."""
    return record_matches(q, Claim.number, Claim.unit_id, Claim.dealer_id)


def searched_claims(stmt, q: str, claim_id=None):
    """``stmt`` narrowed to what a search for ``q`` finds (unchanged for an empty ``q``): its
    claims themselves, or, given the column holding their claim (``claim_id``), its rows."""
    q = q.strip()
    if not q:
        return stmt
    return stmt.where(claim_matches(q) if claim_id is None else
                      claim_id.in_(sa.select(Claim.id).where(claim_matches(q))))
