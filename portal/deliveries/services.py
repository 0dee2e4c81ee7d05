"""销售发货清单: head office records what it shipped to a dealer; the dealer confirms receipt.

Each function is one transaction's work and leaves its audit entries. The units on a note keep
``dealer_id``, ``shipped_on``, ``delivery_note_no`` and ``delivery_confirmed`` in step with it,
because the unit pages show those.
"""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.cases.machine import defective_unit_ids
from portal.catalog.models import Part, PolicySettings
from portal.core import audit
from portal.core.db import SHANGHAI, money, utcnow
from portal.core.errors import DomainError
from portal.core.numbering import next_number, note_typed
from portal.core.versioning import check_version
from portal.deliveries.access import can_confirm_receipt_of, can_ship_deliveries
from portal.deliveries.models import DeliveryLine, DeliveryNote, DeliveryStatus
from portal.extensions import db
from portal.units.models import Unit

MAX_QTY = 9999
MAX_LINES = 500
NUMBER_MAX = 30


def amount(line: DeliveryLine) -> Decimal | None:
    """What a priced line is worth: quantity × unit price (units carry no price here)."""
    return None if line.unit_price is None else money(line.unit_price * line.quantity)


def total(note: DeliveryNote) -> Decimal:
    return money(sum((a for line in note.lines if (a := amount(line)) is not None),
                     Decimal("0")))


def _shipping_problems(dealer, shipped_on: date | None, today: date, carrier: str) -> None:
    if dealer is None:
        raise DomainError(_("Choose the dealer the goods go to."), field="dealer")
    if shipped_on is None:
        raise DomainError(_("Enter the date the goods were shipped."), field="shipped_on")
    if shipped_on > today:
        raise DomainError(_("This date cannot be in the future."), field="shipped_on")
    if len(carrier) > 60:
        raise DomainError(_("The carrier is at most 60 characters."), field="carrier")


def unit_problem(unit: Unit) -> str | None:
    """Why this unit cannot go on a new note, or None when it is in the factory's stock."""
    if unit.dealer_id is not None and unit.delivery_note_no:
        return _("%(serial)s is already on delivery note %(number)s.", serial=unit.serial,
                 number=unit.delivery_note_no)
    if unit.dealer_id is not None:
        return _("%(serial)s is not in factory stock: it was shipped to %(dealer)s.",
                 serial=unit.serial, dealer=unit.dealer.code)
    return None


def _check_units(units: list[Unit]) -> None:
    if len({u.id for u in units}) != len(units):
        raise DomainError(_("A unit is listed twice."), field="serials")
    for unit in units:
        if problem := unit_problem(unit):
            raise DomainError(problem, field="serials")
    ids = [u.id for u in units]
    in_transit = db.session.execute(
        sa.select(Unit.serial, DeliveryNote.number)
        .join(DeliveryLine, DeliveryLine.unit_id == Unit.id).join(DeliveryNote)
        .where(Unit.id.in_(ids), DeliveryNote.status == DeliveryStatus.SHIPPED)).first()
    if in_transit:
        raise DomainError(_("%(serial)s is on delivery note %(number)s, not yet confirmed.",
                            serial=in_transit.serial, number=in_transit.number),
                          field="serials")
    if back := db.session.scalar(sa.select(Unit.serial).where(
            Unit.id.in_(ids), Unit.id.in_(defective_unit_ids()))):
        raise DomainError(_("%(serial)s came back from a 三包 exchange or refund: it is "
                            "defective factory stock, not shipped as a good machine.",
                            serial=back), field="serials")


def _part_lines(parts) -> list[tuple[Part, int, Decimal]]:
    lines = []
    for part, quantity, unit_price in parts:
        if not isinstance(quantity, int) or not 1 <= quantity <= MAX_QTY:
            raise DomainError(_("%(part)s: the quantity must be between 1 and %(max)d.",
                                part=part.part_number, max=MAX_QTY), field="parts")
        price = part.price if unit_price is None else money(unit_price)
        if price < 0:
            raise DomainError(_("%(part)s: the price cannot be negative.",
                                part=part.part_number), field="parts")
        lines.append((part, quantity, money(price)))
    if len({p.id for p, _q, _p in lines}) != len(lines):
        raise DomainError(_("A part is listed twice; put its whole quantity on one line."),
                          field="parts")
    return lines


def _check_plan(plan, dealer) -> None:
    if plan is None:
        return
    if plan.dealer_id != dealer.id:
        raise DomainError(_("This stocking plan belongs to another dealer."), field="dealer")
    if not plan.shippable:
        raise DomainError(_("Only an approved stocking plan can be shipped against."))


def _note_number(number: str | None, now: datetime) -> str:
    number = (number or "").strip()
    if not number:
        return next_number("delivery_note", now).text
    if len(number) > NUMBER_MAX:
        raise DomainError(_("The number is at most %(n)d characters.", n=NUMBER_MAX),
                          field="number")
    note_typed("delivery_note", number)  # first: it waits for a concurrent note's number
    if db.session.scalar(sa.select(DeliveryNote.id).where(DeliveryNote.number == number)):
        raise DomainError(_("Delivery note %(number)s already exists.", number=number),
                          field="number")
    return number


def create_note(dealer, shipped_on: date | None, *, units: list[Unit], parts, carrier: str = "",
                note: str = "", plan=None, actor, number: str | None = None,
                now: datetime | None = None) -> DeliveryNote:
    """Record what head office shipped to ``dealer``: units from factory stock and parts as
    (part, quantity, unit price or None for the catalogue price)."""
    if actor is None or not can_ship_deliveries(actor):
        raise DomainError(_("Only head office records delivery notes."))
    now = now or utcnow()
    carrier = (carrier or "").strip()
    _shipping_problems(dealer, shipped_on, now.astimezone(SHANGHAI).date(), carrier)
    units, part_lines = list(units), _part_lines(parts)
    if not units and not part_lines:
        raise DomainError(_("Put at least one unit or part on the note."), field="serials")
    if len(units) + len(part_lines) > MAX_LINES:
        raise DomainError(_("At most %(n)d lines go on one note.", n=MAX_LINES), field="parts")
    _check_units(units)
    _check_plan(plan, dealer)
    record = DeliveryNote(number=_note_number(number, now), dealer_id=dealer.id,
                          shipped_on=shipped_on, carrier=carrier, note=(note or "").strip(),
                          plan_id=plan.id if plan else None, created_by_id=actor.id,
                          created_at=now)
    db.session.add(record)
    for position, unit in enumerate(units, start=1):
        record.lines.append(DeliveryLine(position=position, unit=unit, quantity=1))
    for position, (part, quantity, price) in enumerate(part_lines, start=len(units) + 1):
        record.lines.append(DeliveryLine(position=position, part=part, quantity=quantity,
                                         unit_price=price))
    shipped = [(unit, audit.apply_changes(unit, {
        "dealer_id": dealer.id, "shipped_on": shipped_on, "delivery_note_no": record.number,
        "delivery_confirmed": False})) for unit in units]
    created = {"dealer": dealer.code, "shipped_on": shipped_on, "carrier": carrier,
               "stocking_plan": plan.number if plan else None,
               "units": [u.serial for u in units],
               "parts": [f"{p.part_number} × {q}" for p, q, _p in part_lines]}
    audit.record("create", record, actor=actor, to_state=DeliveryStatus.SHIPPED,
                 changes={k: (None, v) for k, v in created.items() if v})
    audit.record_many("deliver", shipped, actor=actor)
    return record


def _received(note: DeliveryNote, received: dict) -> dict[int, int]:
    counts = {}
    for line in note.lines:
        value = received.get(line.id, line.quantity)
        if not isinstance(value, int) or not 0 <= value <= line.quantity:
            raise DomainError(_("Between 0 and %(n)d arrived.", n=line.quantity),
                              field=f"received_{line.id}")
        counts[line.id] = value
    return counts


def confirm_receipt(note: DeliveryNote, received: dict, remark: str = "", *, actor, version,
                    now: datetime | None = None) -> DeliveryNote:
    """The dealer confirms what arrived; any difference from the note needs a remark."""
    if not can_confirm_receipt_of(note, actor):
        raise DomainError(_("Only the dealer's own staff can confirm receipt."))
    check_version(note, version)
    if note.status != DeliveryStatus.SHIPPED:
        raise DomainError(_("This delivery note has already been confirmed."))
    counts, remark = _received(note, received or {}), (remark or "").strip()
    short = [line for line in note.lines if counts[line.id] != line.quantity]
    if short and not remark:
        raise DomainError(_("Something differs from the note: say what arrived and what did "
                            "not."), field="remark")
    confirmed_units = []
    for line in note.lines:
        line.received_qty = counts[line.id]
        if line.unit is not None and line.received_qty:
            confirmed_units.append((line.unit, audit.apply_changes(
                line.unit, {"delivery_confirmed": True})))
    note.status, note.discrepancy, note.remark = DeliveryStatus.CONFIRMED, bool(short), remark
    note.confirmed_by_id, note.confirmed_at = actor.id, now or utcnow()
    audit.record("confirm", note, actor=actor, from_state=DeliveryStatus.SHIPPED,
                 to_state=DeliveryStatus.CONFIRMED, reason=remark,
                 changes={"received": (None, [_line_label(line) for line in short])}
                 if short else None)
    audit.record_many("confirm_delivery", confirmed_units, actor=actor)
    return note


def _line_label(line: DeliveryLine) -> str:
    what = line.unit.serial if line.unit is not None else line.part.part_number
    return f"{what}: {line.received_qty}/{line.quantity}"


def overdue_cutoff(today: date) -> date:
    """Notes shipped before this day and still unconfirmed are overdue."""
    return today - timedelta(days=PolicySettings.current().delivery_confirm_days)


def overdue_terms(today: date) -> tuple:
    """SQL: the note is not confirmed although shipped more than ``delivery_confirm_days``
    before ``today``."""
    return (DeliveryNote.status == DeliveryStatus.SHIPPED,
            DeliveryNote.shipped_on < overdue_cutoff(today))


def overdue_notes(scope, today: date):
    """The rep's chase list: notes in ``scope`` (a SELECT of notes) overdue on ``today``."""
    return scope.where(*overdue_terms(today))


def find_units(text: str) -> tuple[list[Unit], list[str]]:
    """The units named by serial numbers (one per line, or separated by spaces or commas), and
    a message for each serial that is unknown, repeated or not in factory stock."""
    serials = [s for s in re.split(r"[\s,，;；]+", (text or "").strip().upper()) if s]
    found = {u.serial.upper(): u for u in db.session.scalars(
        sa.select(Unit).where(sa.func.upper(Unit.serial).in_(set(serials)))).all()}
    units, problems, seen = [], [], set()
    for serial in serials:
        unit = found.get(serial)
        if serial in seen:
            problems.append(_("%(serial)s is listed twice.", serial=serial))
        elif unit is None:
            problems.append(_("%(serial)s: no unit has this serial number.", serial=serial))
        elif problem := unit_problem(unit):
            problems.append(problem)
        else:
            units.append(unit)
        seen.add(serial)
    return units, problems


def find_parts(numbers) -> dict[str, Part]:
    """The catalogue's parts by part number (upper case), for the numbers given."""
    wanted = {n.strip().upper() for n in numbers if n and n.strip()}
    parts = db.session.scalars(
        sa.select(Part).where(sa.func.upper(Part.part_number).in_(wanted))).all()
    return {p.part_number.upper(): p for p in parts}
