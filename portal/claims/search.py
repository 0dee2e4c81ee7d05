"""Finding a repair record by the claim number, the unit's serial or the dealer (code or name),
as every unit's record is found (``portal.units.search``): for every list a person works down
whose rows are claims or hang off one (old parts, finance's audit)."""

import sqlalchemy as sa

from portal.claims.models import Claim
from portal.core.pagination import Page, keyset_page, union_page
from portal.units.search import record_terms


def claim_terms(q: str) -> list:
    """The ways a search for ``q`` finds a claim, one condition each."""
    return record_terms(q, Claim.number, Claim.unit_id, Claim.dealer_id)


def claim_matches(q: str):
    """The condition on ``Claim`` of a search for ``q``."""
    return sa.or_(*claim_terms(q))


def searched_claims(stmt, q: str, claim_id=None):
    """``stmt`` narrowed to what a search for ``q`` finds (unchanged for an empty ``q``): its
    claims themselves, or, given the column holding their claim (``claim_id``), its rows."""
    q = q.strip()
    if not q:
        return stmt
    return stmt.where(claim_matches(q) if claim_id is None else
                      claim_id.in_(sa.select(Claim.id).where(claim_matches(q))))


def search_page(stmt, q: str, cursor: str | None, size: int) -> Page:
    """One page of the rows of ``stmt`` (plain rows of claims, ``listed``) that a search for
    ``q`` finds, newest first: a page of each way it matches, merged (``union_page``). Their
    OR is one filter PostgreSQL applies walking down every claim of the dealer (a serial that
    matches a few of them: 24,000 rows read for 8 shown)."""
    terms = claim_terms(q)
    if len(terms) == 1:
        return keyset_page(stmt.where(terms[0]), Claim.id, Claim.id, cursor, size,
                           descending=True, rows=True)
    return union_page([stmt.where(term) for term in terms], stmt, Claim.id, Claim.id, cursor,
                      size, descending=True, rows=True)
