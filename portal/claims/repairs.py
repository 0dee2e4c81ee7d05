"""The unit's warranty repairs, which extend its coverage clocks by the days they took."""

from datetime import date

import sqlalchemy as sa

from portal.claims.models import Claim, ClaimLine, ClaimStatus
from portal.extensions import db
from portal.units.coverage import RepairSpan

# A submitted record with a covered line extends the clocks unless it is rejected entirely.
EXTENDING = (ClaimStatus.SUBMITTED, ClaimStatus.UNDER_REVIEW, ClaimStatus.APPROVED,
             ClaimStatus.PARTLY_APPROVED)


def warranty_repairs(unit_id: int, *, before: date | None = None,
                     exclude_claim_id: int | None = None) -> list[RepairSpan]:
    """The unit's extending repairs, handed in before a date when one is given (one query)."""
    stmt = (sa.select(Claim.handed_in_on, Claim.completed_on)
            .where(Claim.unit_id == unit_id, Claim.status.in_(EXTENDING),
                   Claim.handed_in_on.is_not(None),
                   sa.exists().where(ClaimLine.claim_id == Claim.id, ClaimLine.covered,
                                     ClaimLine.paid_service.is_(False)))
            .order_by(Claim.handed_in_on))
    if before is not None:
        stmt = stmt.where(Claim.handed_in_on < before)
    if exclude_claim_id is not None:
        stmt = stmt.where(Claim.id != exclude_claim_id)
    return [RepairSpan(handed_in, completed) for handed_in, completed in db.session.execute(stmt)]
