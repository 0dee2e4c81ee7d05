"""What each user may see of claims: those of the dealers they may see."""

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from portal.accounts.roles import Role
from portal.claims.models import Claim, ClaimLine
from portal.dealers.scope import dealer_ids_for
from portal.extensions import db


def visible_claims(user):
    """A SELECT of the claims ``user`` may see."""
    stmt = sa.select(Claim)
    if user.role.is_dealer or user.role == Role.SALES_REP:
        stmt = stmt.where(Claim.dealer_id.in_(dealer_ids_for(user)))
    return stmt


def get_claim(claim_id: int, user) -> Claim:
    """The claim if ``user`` may see it, with its lines and files; 404 otherwise."""
    claim = db.session.scalar(
        visible_claims(user).where(Claim.id == claim_id)
        .options(selectinload(Claim.lines).selectinload(ClaimLine.part),
                 selectinload(Claim.lines).selectinload(ClaimLine.fault_code),
                 selectinload(Claim.attachments)))
    if claim is None:
        abort(404)
    return claim
