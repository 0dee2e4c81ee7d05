"""旧件回运单: the dealer sends owed old parts back in a shipment, and may cancel it while none
of it has been received. Each is one transaction and leaves its audit entries.

A shipment says the day it left and how. Parts on the dealer's returning delivery truck count
as returned on the day it left (``left_on_truck``), from the moment it is recorded; parts
by courier or in person on the day head office receives them."""

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.core import audit
from portal.core.errors import DomainError
from portal.core.numbering import next_number
from portal.extensions import db
from portal.returns.access import can_cancel_shipment, can_ship_parts_of
from portal.returns.models import (
    STILL_OWED,
    OwedPart,
    OwedStatus,
    Receipt,
    ReturnShipment,
    ShipmentLine,
    ShipmentStatus,
    ShipMethod,
    left_on_truck,
)
from portal.returns.scope import owed_loading

MAX_DAYS_BACK = 30  # a shipment is recorded when it leaves, not weeks later
MAX_PARTS = 200


def _require_staff_of(dealer_id: int, actor) -> None:
    if not can_ship_parts_of(dealer_id, actor):
        raise DomainError(_("Only the dealer's own staff can ship its old parts."))


def _shipping_problems(method, waybill: str, shipped_on: date | None, today: date) -> None:
    if method not in tuple(ShipMethod):
        raise DomainError(_("Choose how the parts travel."), field="method")
    if method == ShipMethod.COURIER and not waybill:
        raise DomainError(_("Enter the courier's waybill number."), field="waybill")
    if len(waybill) > 60:
        raise DomainError(_("The waybill number is at most 60 characters."), field="waybill")
    if shipped_on is None:
        raise DomainError(_("Enter the date the parts were shipped."), field="shipped_on")
    if shipped_on > today:
        raise DomainError(_("This date cannot be in the future."), field="shipped_on")
    if shipped_on < today - timedelta(days=MAX_DAYS_BACK):
        raise DomainError(_("A shipment is recorded within %(n)d days of leaving.",
                            n=MAX_DAYS_BACK), field="shipped_on")


def _parts_to_ship(dealer, owed_ids) -> list[OwedPart]:
    ids = sorted({int(i) for i in owed_ids})
    if not ids:
        raise DomainError(_("Tick at least one part to ship."), field="owed_parts")
    if len(ids) > MAX_PARTS:
        raise DomainError(_("At most %(n)d parts go in one shipment.", n=MAX_PARTS),
                          field="owed_parts")
    parts = db.session.scalars(
        sa.select(OwedPart).where(OwedPart.id.in_(ids)).options(*owed_loading())
        .order_by(OwedPart.due_on, OwedPart.id)).all()
    if len(parts) != len(ids) or any(p.dealer_id != dealer.id for p in parts):
        raise DomainError(_("Some of these parts are not owed by this dealer."),
                          field="owed_parts")
    for part in parts:
        if part.status not in STILL_OWED:
            raise DomainError(_("%(part)s is not waiting to be shipped (%(status)s).",
                                part=part.audit_label, status=part.status.title),
                              field="owed_parts")
    return parts


def create_shipment(dealer, owed_ids, *, method, waybill: str = "", shipped_on: date | None,
                    actor, today: date) -> ReturnShipment:
    """Put owed parts (owed, or missing from an earlier shipment) in a new shipment."""
    _require_staff_of(dealer.id, actor)
    waybill = (waybill or "").strip()
    _shipping_problems(method, waybill, shipped_on, today)
    parts = _parts_to_ship(dealer, owed_ids)
    shipment = ReturnShipment(number=next_number("return_shipment", today).text,
                              dealer_id=dealer.id, method=ShipMethod(method), waybill=waybill,
                              shipped_on=shipped_on, created_by_id=actor.id)
    db.session.add(shipment)
    db.session.flush()
    for part in parts:
        shipment.lines.append(ShipmentLine(owed_part=part))
        audit.record("ship", part, actor=actor, from_state=part.status,
                     to_state=OwedStatus.SHIPPED, reason=shipment.number)
        part.status, part.truck_left_on = OwedStatus.SHIPPED, left_on_truck(shipment)
    audit.record("ship", shipment, actor=actor, to_state=ShipmentStatus.SHIPPED, changes={
        "method": (None, shipment.method), "waybill": (None, waybill or None),
        "shipped_on": (None, shipped_on),
        "owed_parts": (None, [p.audit_label for p in parts])})
    return shipment


def _state_before(part: OwedPart, shipment: ReturnShipment) -> OwedStatus:
    """Missing again if an earlier shipment arrived without it, else simply owed."""
    earlier = [line for line in part.shipment_lines if line.shipment_id != shipment.id]
    return (OwedStatus.MISSING if earlier and earlier[-1].receipt == Receipt.MISSING
            else OwedStatus.OWED)


def cancel_shipment(shipment: ReturnShipment, *, actor, reason: str = "") -> None:
    """The parts did not leave after all: they are owed again and the shipment is gone."""
    _require_staff_of(shipment.dealer_id, actor)
    if not can_cancel_shipment(shipment, actor):
        raise DomainError(_("Head office has started receiving this shipment; it can no longer "
                            "be cancelled."))
    labels, parts = [], [line.owed_part for line in shipment.lines]
    for line in shipment.lines:
        part = line.owed_part
        labels.append(part.audit_label)
        part.truck_left_on = None  # it did not leave
        if part.status == OwedStatus.SHIPPED:  # a waived part stays waived
            before = _state_before(part, shipment)
            audit.record("cancel_shipment", part, actor=actor, from_state=OwedStatus.SHIPPED,
                         to_state=before, reason=shipment.number)
            part.status = before
    audit.record("cancel_shipment", shipment, actor=actor, from_state=shipment.status,
                 to_state="cancelled", reason=reason.strip(),
                 changes={"owed_parts": (labels, None)})
    db.session.delete(shipment)
    db.session.flush()
    for part in parts:
        db.session.expire(part, ["shipment_lines"])
