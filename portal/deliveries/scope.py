"""What each user may see of delivery notes: those of the dealers they may see."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from portal.dealers.scope import scope
from portal.deliveries.models import DeliveryLine, DeliveryNote
from portal.extensions import db
from portal.units.models import Unit


def visible_notes(user):
    """A SELECT of the delivery notes ``user`` may see."""
    return scope(sa.select(DeliveryNote), DeliveryNote.dealer_id, user)


def note_loading():
    """What a note's page and document show: dealer, people, plan, lines with unit or part."""
    lines = selectinload(DeliveryNote.lines)
    # Two statements: the note with its dealer, people and plan; its lines with their unit
    # (and model) or part.
    return (joinedload(DeliveryNote.dealer), joinedload(DeliveryNote.created_by),
            joinedload(DeliveryNote.confirmed_by), joinedload(DeliveryNote.plan),
            lines.joinedload(DeliveryLine.unit).joinedload(Unit.model),
            lines.joinedload(DeliveryLine.part))


def get_note(note_id: int, user) -> DeliveryNote:
    """The note if ``user`` may see it, with everything it shows; 404 otherwise."""
    return db.first_or_404(visible_notes(user).where(DeliveryNote.id == note_id)
                           .options(*note_loading()))


def note_id_for(unit) -> int | None:
    """The id of the note the unit was shipped on (the unit's page links it), if recorded."""
    if not unit.delivery_note_no or unit.dealer_id is None:
        return None
    return db.session.scalar(sa.select(DeliveryNote.id).where(
        DeliveryNote.number == unit.delivery_note_no, DeliveryNote.dealer_id == unit.dealer_id))
