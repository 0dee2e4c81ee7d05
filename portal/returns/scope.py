"""What each user may see of old-part returns: those of the dealers they may see."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.catalog.models import Part
from portal.claims.models import Claim, ClaimLine
from portal.dealers.scope import scope
from portal.extensions import db
from portal.returns.models import STILL_OWED, OwedPart, ReturnShipment, ShipmentLine
from portal.units.models import Unit


def visible_owed_parts(user):
    """A SELECT of the owed parts ``user`` may see."""
    return scope(sa.select(OwedPart), OwedPart.dealer_id, user)


def visible_shipments(user):
    """A SELECT of the return shipments ``user`` may see."""
    return scope(sa.select(ReturnShipment), ReturnShipment.dealer_id, user)


def owed_loading():
    """What a row of an owed part shows: its claim, line, part and unit, in fixed queries."""
    return (selectinload(OwedPart.claim), selectinload(OwedPart.line),
            selectinload(OwedPart.part), selectinload(OwedPart.unit),
            selectinload(OwedPart.dealer))


def shown_lines():
    """What the shipment page shows of each line's part: the claim's number, the line's
    position, the part's number and name, the unit's serial; not their whole records (a
    shipment holds up to a hundred parts)."""
    return selectinload(ReturnShipment.lines).selectinload(ShipmentLine.owed_part).options(
        selectinload(OwedPart.claim).load_only(Claim.number),
        selectinload(OwedPart.line).load_only(ClaimLine.position),
        selectinload(OwedPart.part).load_only(Part.part_number, Part.name),
        selectinload(OwedPart.unit).load_only(Unit.serial))


def get_shipment(shipment_id: int, user, lines=None) -> ReturnShipment:
    """The shipment if ``user`` may see it, with its lines and their parts (as ``lines``
    loads them, else whole); 404 otherwise."""
    return db.first_or_404(
        visible_shipments(user).where(ReturnShipment.id == shipment_id)
        .options(selectinload(ReturnShipment.dealer), lines if lines is not None else
                 selectinload(ReturnShipment.lines).selectinload(ShipmentLine.owed_part)
                 .options(*owed_loading())))


def owed_summary(dealer_id: int, today: date) -> dict:
    """For the dealer's home page: parts still owed, how many are overdue, the next due date."""
    still_owed = sa.and_(OwedPart.dealer_id == dealer_id, OwedPart.status.in_(STILL_OWED))
    owed, overdue, next_due = db.session.execute(sa.select(
        sa.func.count(OwedPart.id),
        sa.func.count(OwedPart.id).filter(OwedPart.due_on < today),
        sa.func.min(OwedPart.due_on).filter(OwedPart.due_on >= today),
    ).where(still_owed)).one()
    return {"owed": owed, "overdue": overdue, "next_due": next_due}
