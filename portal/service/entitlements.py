"""Entitlement flags (三包 replacement or exchange) on units: the people's side of them.

The claim rules raise a flag; the clerk, an administrator or the technical department
decides what is done about it and closes it with a note saying so.
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal.claims.models import UnitFlag
from portal.core import audit
from portal.core.errors import DomainError
from portal.extensions import db

NOTE_MAX = 1000


def resolve_flag(flag: UnitFlag, note: str, *, actor, now: datetime) -> UnitFlag:
    """Close a flag with what was done about the entitlement."""
    note = (note or "").strip()
    if flag.resolved_at is not None:
        raise DomainError(_("This entitlement was already dealt with."))
    if not note:
        raise DomainError(_("Say what was done: part replaced, machine exchanged, or why not."),
                          field="note")
    if len(note) > NOTE_MAX:
        raise DomainError(_("Keep the note under %(n)d characters.", n=NOTE_MAX), field="note")
    flag.resolved_at, flag.resolved_by_id, flag.resolution = now, actor.id, note
    audit.record("resolve", flag, actor=actor, from_state="open", to_state="resolved",
                 reason=note)
    return flag


def flags_of_unit(unit_id: int) -> list[UnitFlag]:
    """A unit's flags, open ones first, newest first: one query with what the page shows."""
    return db.session.scalars(
        sa.select(UnitFlag).where(UnitFlag.unit_id == unit_id)
        .options(joinedload(UnitFlag.part), joinedload(UnitFlag.claim),
                 joinedload(UnitFlag.resolved_by))
        .order_by(UnitFlag.resolved_at.is_not(None), UnitFlag.raised_at.desc(),
                  UnitFlag.id.desc())
    ).all()
