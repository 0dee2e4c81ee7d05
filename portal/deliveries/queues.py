"""The delivery notes' work queues (``portal.core.queues``): notes waiting for their dealer's
confirmation (the dealer's to-do, the rep's chase list) and those overdue."""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal.catalog.models import PolicySettings
from portal.core.permissions import any_of
from portal.core.queues import Queue, day_of, piles
from portal.deliveries.access import can_chase_deliveries, can_confirm_deliveries
from portal.deliveries.models import DeliveryNote, DeliveryStatus
from portal.deliveries.scope import visible_notes
from portal.deliveries.services import overdue_cutoff, overdue_terms
from portal.extensions import db

N = DeliveryNote
WAITING = Queue(
    "notes_waiting", _l("Delivery notes awaiting the dealer"),
    any_of(can_confirm_deliveries, can_chase_deliveries), visible_notes,
    lambda user, now: (N.status == DeliveryStatus.SHIPPED,), N.shipped_on, N.id,
    "deliveries.index", args={"status": "shipped"})
OVERDUE = Queue(
    "notes_overdue", _l("Delivery notes overdue"), can_chase_deliveries, visible_notes,
    lambda user, now: overdue_terms(day_of(now)), N.shipped_on, N.id, "deliveries.index",
    args={"overdue": "1"})


def home_box(user, now: datetime, *, listed: int = 5) -> dict:
    """The home pages' box: the user's notes waiting for confirmation (how many, how many
    overdue, the oldest), the oldest few listed (rows: id, number, shipped_on), and the lists
    they link to."""
    _policy = PolicySettings.current()  # held, so the overdue rule's two reads find it loaded
    waiting, overdue = piles([WAITING, OVERDUE], user, now)
    # Rows of what the box shows of a note (id, number, shipping day), not whole records.
    notes = db.session.execute(WAITING.ordered(user, now).with_only_columns(
        N.id, N.number, N.shipped_on).limit(listed)).all() if waiting.count else []
    return {"waiting": waiting.count, "overdue": overdue.count, "oldest": waiting.oldest,
            "notes": notes, "cutoff": overdue_cutoff(day_of(now)),
            "waiting_url": WAITING.url(), "overdue_url": OVERDUE.url()}
