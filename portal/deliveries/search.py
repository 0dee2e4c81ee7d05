"""Finding a delivery note by its number, its dealer, or the serial of a unit it carried: the
one search of every work queue (``portal.units.search``), the serial read through the note's
lines (a note is about many units, or none)."""

import sqlalchemy as sa

from portal.deliveries.models import DeliveryLine, DeliveryNote
from portal.units.search import record_matches, units_matching


def searched_notes(stmt, q: str):
    """``stmt`` (a SELECT of delivery notes) narrowed to what a search for ``q`` finds."""
    if not (q := q.strip()):
        return stmt
    carried = sa.exists().where(DeliveryLine.note_id == DeliveryNote.id,
                                DeliveryLine.unit_id.in_(units_matching(q)))
    return stmt.where(sa.or_(record_matches(q, DeliveryNote.number, None, DeliveryNote.dealer_id),
                             carried))
