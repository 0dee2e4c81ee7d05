"""Entitlements (三包 replacement part, exchange, refund) on units: the people's side of them.

The rules (``portal.claims.entitlements``) raise them; the clerk, an administrator or the
technical department decides what is done about one and closes it with a note saying so (the
exchange and refund case closes its entitlement through ``resolve_flag`` too).
"""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal.claims.entitlements import Raise, raise_flag
from portal.claims.models import FlagKind, FlagRule, UnitFlag
from portal.core import audit
from portal.core.errors import DomainError
from portal.extensions import db

NOTE_MAX = 1000


def resolve_flag(flag: UnitFlag, note: str, *, actor, now: datetime,
                 replacement_unit=None) -> UnitFlag:
    """Close a flag with what was done about the entitlement; an exchange carried out names the
    machine the buyer got instead (the same fault on it again entitles him to a refund)."""
    note = (note or "").strip()
    if flag.resolved_at is not None:
        raise DomainError(_("This entitlement was already dealt with."))
    if not note:
        raise DomainError(_("Say what was done: part replaced, machine exchanged, or why not."),
                          field="note")
    if len(note) > NOTE_MAX:
        raise DomainError(_("Keep the note under %(n)d characters.", n=NOTE_MAX), field="note")
    if replacement_unit is not None:
        if flag.kind != FlagKind.EXCHANGE or replacement_unit.id == flag.unit_id:
            raise DomainError(_("Only an exchange names the machine given instead."))
        flag.replacement_unit_id = replacement_unit.id
    flag.resolved_at, flag.resolved_by_id, flag.resolution = now, actor.id, note
    audit.record("resolve", flag, actor=actor, from_state="open", to_state="resolved",
                 reason=note)
    return flag


def refund_for_no_same_model(flag: UnitFlag, note: str, *, actor, today: date,
                             now: datetime) -> UnitFlag:
    """An exchange is due but no machine of the same model and specification exists: a person
    says so, the exchange closes with that note and the buyer is entitled to a refund."""
    if flag.kind != FlagKind.EXCHANGE:
        raise DomainError(_("Only an exchange can turn into a refund for want of a machine."))
    resolve_flag(flag, note, actor=actor, now=now)
    detail = _("No %(model)s of the same specification for the exchange: %(note)s",
               model=flag.unit.model.code, note=flag.resolution)
    return raise_flag(flag.claim, Raise(FlagKind.REFUND, FlagRule.NO_SAME_MODEL, detail),
                      today=today, now=now)


def flags_of_unit(unit_id: int) -> list[UnitFlag]:
    """A unit's flags, open ones first, newest first: one query with what the page shows."""
    return db.session.scalars(
        sa.select(UnitFlag).where(UnitFlag.unit_id == unit_id)
        .options(joinedload(UnitFlag.part), joinedload(UnitFlag.claim),
                 joinedload(UnitFlag.resolved_by), joinedload(UnitFlag.fault_code))
        .order_by(UnitFlag.resolved_at.is_not(None), UnitFlag.raised_at.desc(),
                  UnitFlag.id.desc())
    ).all()
