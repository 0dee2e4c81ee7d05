"""The reusable store, the scrap store and the shelf of parts going back to their suppliers:
what they hold, and what became of each part (reused, scrapped, dispatched)."""

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.core import audit
from portal.core.errors import DomainError
from portal.core.versioning import LATEST, check_version
from portal.returns.access import can_keep_stores
from portal.returns.models import Destination, OwedPart, StoreItem, StoreState

# Where a part in each store may go; every move leaves the store for good.
MOVES = {
    Destination.REUSABLE: (StoreState.REUSED, StoreState.SCRAPPED),
    Destination.SCRAP: (StoreState.SCRAPPED,),
    Destination.SUPPLIER: (StoreState.DISPATCHED,),
}
# A reuse names the repair it went into; a dispatch its waybill.
NOTE_NEEDED = {
    StoreState.REUSED: _l("Say which repair the part went into."),
    StoreState.DISPATCHED: _l("Enter the waybill number of the dispatch."),
}


def store_items(store: Destination, state: StoreState | None):
    """A SELECT of a store's items (in one state, or all), with what a row shows."""
    stmt = sa.select(StoreItem).where(StoreItem.store == store).options(
        selectinload(StoreItem.owed_part).selectinload(OwedPart.claim),
        selectinload(StoreItem.owed_part).selectinload(OwedPart.line),
        selectinload(StoreItem.owed_part).selectinload(OwedPart.part),
        selectinload(StoreItem.owed_part).selectinload(OwedPart.unit),
        selectinload(StoreItem.owed_part).selectinload(OwedPart.cause_code),
        selectinload(StoreItem.out_by))
    return stmt if state is None else stmt.where(StoreItem.state == state)


def move_item(item: StoreItem, to_state: StoreState, note: str, *, actor, today: date,
              version=LATEST) -> None:
    """Take a part out of its store: reused, scrapped or dispatched to its supplier."""
    if not can_keep_stores(actor):
        raise DomainError(_("Only the sales clerk keeps the old-part stores."))
    check_version(item, version)
    if item.state != StoreState.IN_STORE:
        raise DomainError(_("This part has already left the store (%(state)s).",
                            state=item.state.title))
    if to_state not in MOVES[item.store]:
        raise DomainError(_("A part in the %(store)s cannot be %(state)s.",
                            store=item.store.title, state=to_state.title.lower()))
    note = note.strip()
    if to_state in NOTE_NEEDED and not note:
        raise DomainError(str(NOTE_NEEDED[to_state]), field="note")
    item.state, item.out_on, item.out_by_id, item.out_note = to_state, today, actor.id, note
    audit.record("store_move", item, actor=actor, from_state=StoreState.IN_STORE,
                 to_state=to_state, reason=note)
