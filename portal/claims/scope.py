"""What each user may see of claims: those of the dealers they may see."""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.claims.models import Claim, ClaimLine
from portal.dealers.scope import scope
from portal.extensions import db


def visible_claims(user):
    """A SELECT of the claims ``user`` may see."""
    return scope(sa.select(Claim), Claim.dealer_id, user)


def get_claim(claim_id: int, user) -> Claim:
    """The claim if ``user`` may see it, with its lines and files; 404 otherwise."""
    return db.first_or_404(
        visible_claims(user).where(Claim.id == claim_id)
        .options(selectinload(Claim.lines).selectinload(ClaimLine.part),
                 selectinload(Claim.lines).selectinload(ClaimLine.fault_code),
                 selectinload(Claim.attachments)))
