"""Receipt of return shipments at head office: find a part by its label's QR code, record each
part as received, missing or damaged in transit, and reconcile the shipment.

Reconciling refuses while a part is still unchecked: a part left unscanned may well be lying in
the box, and recording it missing on its own would count it against the dealer (write-off
blocked, new claims held). The clerk says "missing" for each part, or for all the rest at once,
as a deliberate step.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.claims.models import Claim
from portal.claims.search import claim_matches
from portal.core import audit
from portal.core.db import starts_with
from portal.core.errors import DomainError
from portal.core.versioning import LATEST, check_version
from portal.extensions import db
from portal.returns.access import can_receive_parts, can_take_handed_in
from portal.returns.models import (
    OPEN_SHIPMENTS,
    OwedPart,
    OwedStatus,
    Receipt,
    ReturnShipment,
    ShipmentLine,
    ShipmentStatus,
    left_on_truck,
)
from portal.units.search import dealers_matching

OPEN = OPEN_SHIPMENTS
LABEL = re.compile(r"SBOP:(\d{1,9}):([A-Z0-9-]{1,20}):(\d{1,4})")


def line_options():
    """Loader options for a shipment's lines with everything a receipt list shows."""
    owed = selectinload(ReturnShipment.lines).selectinload(ShipmentLine.owed_part)
    return (owed.selectinload(OwedPart.claim), owed.selectinload(OwedPart.line),
            owed.selectinload(OwedPart.part), owed.selectinload(OwedPart.unit),
            selectinload(ReturnShipment.dealer))


def describe(owed: OwedPart) -> str:
    """How the clerk recognises a part by eye: claim and line, part number and name, serial."""
    return _("%(claim)s #%(line)s · %(part)s %(name)s · unit %(serial)s",
             claim=owed.claim.number, line=owed.line.position, part=owed.part.part_number,
             name=owed.part.name, serial=owed.unit.serial)


# ---------------------------------------------------------------- finding a part by its label


def parse_label(text: str) -> tuple[int, str, int]:
    """(owed part id, claim number, line) from a label's text as a scanner or camera gives it.

    Full-width characters (a Chinese input method left on) become plain ones; whitespace, a
    scanner's CR/LF and letter case do not matter.
    """
    cleaned = "".join(unicodedata.normalize("NFKC", text or "").split()).upper()
    if not cleaned:
        raise DomainError(_("Scan a label, or type the text under its QR code."), field="code")
    match = LABEL.fullmatch(cleaned)
    if match is None:
        raise DomainError(_("This is not an old-part label: %(text)s", text=cleaned[:60]),
                          field="code")
    return int(match[1]), match[2], int(match[3])


def find_by_scan(text: str, shipment: ReturnShipment | None = None) -> ShipmentLine:
    """The shipment line of the part a label names: in ``shipment`` when given, else the part's
    latest shipment. The claim number and line on the label must match the part's."""
    owed_id, number, position = parse_label(text)
    owed = db.session.scalar(sa.select(OwedPart).where(OwedPart.id == owed_id).options(
        selectinload(OwedPart.claim), selectinload(OwedPart.line),
        selectinload(OwedPart.shipment_lines).selectinload(ShipmentLine.shipment)))
    if owed is None:
        raise DomainError(_("No old part has the number %(id)s: check the label.", id=owed_id),
                          field="code")
    if (owed.claim.number, owed.line.position) != (number, position):
        raise DomainError(_(
            "The label does not match our records: part %(id)s belongs to %(claim)s #%(line)s, "
            "the label says %(label)s #%(label_line)s. Put the part aside and check it.",
            id=owed_id, claim=owed.claim.number, line=owed.line.position, label=number,
            label_line=position), field="code")
    lines = owed.shipment_lines
    if not lines:
        raise DomainError(_("%(part)s is not in any shipment: the dealer has not shipped it.",
                            part=describe(owed)), field="code")
    if shipment is None:
        open_lines = [ln for ln in lines if ln.shipment.status in OPEN]
        return (open_lines or lines)[-1]
    for line in lines:
        if line.shipment_id == shipment.id:
            return line
    other = lines[-1].shipment
    raise DomainError(_("%(part)s belongs to shipment %(other)s (%(status)s), not to this one. "
                        "Put it aside for that shipment.", part=describe(owed),
                        other=other.number, status=other.status.title), field="code")


# ---------------------------------------------------------------- recording the receipt


def _require_receiver(actor) -> None:
    if not can_receive_parts(actor):
        raise DomainError(_("Only the sales clerk or an administrator receives old parts."))


def _require_open(shipment: ReturnShipment) -> None:
    if shipment.status == ShipmentStatus.RECONCILED:
        raise DomainError(_("Shipment %(number)s is reconciled: its receipt can no longer "
                            "change.", number=shipment.number))


def mark(line: ShipmentLine, receipt: Receipt, *, actor, now: datetime, today: date,
         note: str = "", was: Receipt | None = None) -> bool:
    """Record a part as received, missing or damaged in transit; the owed part follows.

    ``was`` is the state the clerk saw: if someone else recorded the part differently in the
    meantime, refuse rather than overwrite. Recording the same state again (a double click)
    changes nothing and returns False.
    """
    _require_receiver(actor)
    shipment, owed = line.shipment, line.owed_part
    _require_open(shipment)
    note = (note or "").strip()
    if receipt == Receipt.PENDING:
        raise DomainError(_("Record the part as received, missing or damaged."), field="receipt")
    if receipt == Receipt.DAMAGED and not note:
        raise DomainError(_("Describe the damage."), field="note")
    if line.receipt == receipt and (receipt != Receipt.DAMAGED or line.note == note):
        return False
    if was is not None and line.receipt != was:
        raise DomainError(_("Someone else has just recorded %(part)s as “%(state)s”. Check the "
                            "part and record it again if needed.", part=describe(owed),
                            state=line.receipt.title))
    if owed.verdict is not None:
        raise DomainError(_("The technical department has already given its verdict on "
                            "%(part)s.", part=describe(owed)))
    before, before_owed, before_status = line.receipt, owed.status, shipment.status
    line.receipt, line.note = receipt, note
    line.received_at, line.received_by_id = now, actor.id
    _follow(owed, receipt, today, shipment)
    if shipment.status == ShipmentStatus.SHIPPED:
        shipment.status = ShipmentStatus.RECEIVING
    audit.record("receive", owed, actor=actor, from_state=before_owed, to_state=owed.status,
                 reason=note, changes={"receipt": (before, receipt)})
    audit.record("receive", shipment, actor=actor, reason=note,
                 from_state=before_status if before_status != shipment.status else None,
                 to_state=shipment.status if before_status != shipment.status else None,
                 changes={owed.audit_label: (str(before.title), str(receipt.title))})
    return True


def _follow(owed: OwedPart, receipt: Receipt, today: date,
            shipment: ReturnShipment | None = None) -> None:
    """The owed part takes the receipt: a damaged part did arrive, a missing one is still owed.
    A part received earlier keeps the day it came; one missing from the truck did not leave on
    it (``left_on_truck``); one handed in (no shipment) came on the day it was taken."""
    arrived = receipt in (Receipt.RECEIVED, Receipt.DAMAGED)
    owed.damaged = receipt == Receipt.DAMAGED
    owed.received_on = (owed.received_on or today) if arrived else None
    owed.truck_left_on = left_on_truck(shipment) if arrived and shipment else None
    if owed.status != OwedStatus.WAIVED:  # a waived return stays waived, whatever arrives
        owed.status = OwedStatus.RECEIVED if arrived else OwedStatus.MISSING


def take_handed_in(owed: OwedPart, *, actor, today: date, version=LATEST) -> None:
    """The sales company receives a head-office repair's old part from the hand of whoever
    replaced it; on time by the day it is taken, like a shipment's part by its arrival."""
    _require_receiver(actor)
    check_version(owed, version)
    if not can_take_handed_in(owed, actor):
        raise DomainError(_("Only a head-office repair's old part still owed is taken in by "
                            "hand; a dealer's comes back in its shipment."))
    before = owed.status
    _follow(owed, Receipt.RECEIVED, today)
    audit.record("receive", owed, actor=actor, from_state=before, to_state=owed.status,
                 changes={"received_on": (None, today)})
    audit.record("receive", owed.claim, actor=actor,
                 changes={f"#{owed.line.position}": (before, owed.status)})


@dataclass(frozen=True)
class ScanResult:
    line: ShipmentLine
    changed: bool  # False: the part had already been recorded as arrived


def receive_scan(shipment: ReturnShipment, text: str, *, actor, now: datetime,
                 today: date) -> ScanResult:
    """A scanned label in this shipment: the part is received (a part recorded missing turns
    out to be here after all); one already recorded as arrived stays as it is."""
    _require_receiver(actor)
    _require_open(shipment)
    line = find_by_scan(text, shipment)
    if line.receipt in (Receipt.RECEIVED, Receipt.DAMAGED):
        return ScanResult(line, False)
    mark(line, Receipt.RECEIVED, actor=actor, now=now, today=today)
    return ScanResult(line, True)


def mark_unchecked_missing(shipment: ReturnShipment, *, actor, now: datetime, today: date,
                           version=LATEST) -> int:
    """The clerk's deliberate "the rest are not here": every unchecked part becomes missing."""
    _require_receiver(actor)
    _require_open(shipment)
    check_version(shipment, version)
    pending = [ln for ln in shipment.lines if ln.receipt == Receipt.PENDING]
    for line in pending:
        mark(line, Receipt.MISSING, actor=actor, now=now, today=today)
    return len(pending)


def counts(shipment: ReturnShipment) -> dict[Receipt, int]:
    """How many of the shipment's parts are in each receipt state."""
    result = dict.fromkeys(Receipt, 0)
    for line in shipment.lines:
        result[line.receipt] += 1
    return result


def line_tallies(shipment_ids: list[int]) -> dict[int, tuple[int, int]]:
    """For a list of shipments: how many parts each holds and how many of them are checked
    (no longer pending), by shipment id, counted by the database (``counts`` tells one
    shipment's page each state; a list of 25 shipments would load thousands of lines)."""
    if not shipment_ids:
        return {}
    rows = db.session.execute(
        sa.select(ShipmentLine.shipment_id, sa.func.count(),
                  sa.func.count().filter(ShipmentLine.receipt != Receipt.PENDING))
        .where(ShipmentLine.shipment_id.in_(shipment_ids)).group_by(ShipmentLine.shipment_id))
    return {shipment_id: (parts, checked) for shipment_id, parts, checked in rows}


def reconcile(shipment: ReturnShipment, *, actor, now: datetime, version=LATEST) -> dict:
    """Close the receipt: every part checked; the counts go into the audit trail."""
    _require_receiver(actor)
    _require_open(shipment)
    check_version(shipment, version)
    tally = counts(shipment)
    if tally[Receipt.PENDING]:
        raise DomainError(_("%(n)d part(s) are not checked yet. Scan them, or record them as "
                            "missing, before reconciling.", n=tally[Receipt.PENDING]))
    if not shipment.lines:
        raise DomainError(_("The shipment holds no parts."))
    before = shipment.status
    shipment.status = ShipmentStatus.RECONCILED
    shipment.reconciled_at, shipment.reconciled_by_id = now, actor.id
    audit.record("reconcile", shipment, actor=actor, from_state=before,
                 to_state=ShipmentStatus.RECONCILED,
                 changes={r.value: (None, tally[r])
                          for r in (Receipt.RECEIVED, Receipt.MISSING, Receipt.DAMAGED)})
    return tally


# ---------------------------------------------------------------- what waits


def searched(stmt, q: str = ""):
    """``stmt`` (a SELECT of shipments) searched by the shipment's number or waybill, its dealer
    (``dealers_matching``, as on every list), or the claim number or serial of a part it
    carries (``claim_matches``, over its lines' owed parts)."""
    if not (q := q.strip()):
        return stmt
    carried = sa.exists().where(
        ShipmentLine.shipment_id == ReturnShipment.id, OwedPart.id == ShipmentLine.owed_part_id,
        OwedPart.claim_id.in_(sa.select(Claim.id).where(claim_matches(q))))
    return stmt.where(sa.or_(starts_with(ReturnShipment.number, q.upper()),
                             ReturnShipment.waybill.istartswith(q, autoescape=True),
                             ReturnShipment.dealer_id.in_(dealers_matching(q)), carried))
