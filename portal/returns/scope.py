"""What each user may see of old-part returns: those of the dealers they may see."""

from dataclasses import dataclass
from datetime import date
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from portal.catalog.models import Part
from portal.claims.models import Claim, ClaimLine
from portal.core.db import named
from portal.core.queues import TILE_CAP
from portal.dealers.models import Dealer
from portal.dealers.scope import scope
from portal.extensions import db
from portal.returns.models import (
    STILL_OWED,
    OwedPart,
    Receipt,
    ReturnShipment,
    ShipmentLine,
)
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


def owed_rows_shown(owed_ids: list[int]) -> dict:
    """What a row of the owed parts list shows of each part's claim, line, part, unit and
    dealer, by owed part id, in one statement of plain rows (not five loads of whole records)."""
    if not owed_ids:
        return {}
    rows = db.session.execute(
        sa.select(OwedPart.id, Claim.number.label("claim_number"), ClaimLine.position,
                  Part.part_number, Part.name.label("part_name"), Unit.serial,
                  Dealer.code.label("dealer_code"))
        .join(Claim, Claim.id == OwedPart.claim_id)
        .join(ClaimLine, ClaimLine.id == OwedPart.claim_line_id)
        .join(Part, Part.id == OwedPart.part_id)
        .join(Unit, Unit.id == OwedPart.unit_id)
        .outerjoin(Dealer, Dealer.id == OwedPart.dealer_id)
        .where(OwedPart.id.in_(owed_ids)))
    return {row.id: row for row in rows}


def owed_list_rows(stmt):
    """``stmt`` (a SELECT of owed parts) as the rows the owed parts list shows: the part's own
    columns, and its claim's number, line's position, part's number and name, unit's serial
    and dealer's code each named by a subquery per shown row (the plan stays the index walk of
    the parts by due date), not whole records; page it by (due_on, id) with ``rows=True``."""
    return stmt.with_only_columns(*_owed_list_columns())


@cache
def _owed_list_columns() -> tuple:
    """``owed_list_rows``' columns, built once (they are the same every time)."""
    return (
        OwedPart.id, OwedPart.status, OwedPart.due_on, OwedPart.quantity, OwedPart.claim_id,
        named(OwedPart, Claim.number, Claim.id == OwedPart.claim_id, "claim_number"),
        named(OwedPart, ClaimLine.position, ClaimLine.id == OwedPart.claim_line_id, "position"),
        named(OwedPart, Part.part_number, Part.id == OwedPart.part_id, "part_number"),
        named(OwedPart, Part.name, Part.id == OwedPart.part_id, "part_name"),
        named(OwedPart, Unit.serial, Unit.id == OwedPart.unit_id, "serial"),
        named(OwedPart, Dealer.code, Dealer.id == OwedPart.dealer_id, "dealer_code"))


@cache
def shipment_rows():
    """A SELECT of shipment lines as the plain rows the shipment page shows of each: the claim's
    number, the line's position, the part's number and name, the unit's serial, what arrived;
    not their whole records. Narrow it to one shipment and page it by id with ``rows=True``.
    Built once (it is the same every time)."""
    return (
        sa.select(ShipmentLine.id, ShipmentLine.receipt, ShipmentLine.received_at,
                  ShipmentLine.note, OwedPart.claim_id, OwedPart.quantity,
                  Claim.number.label("claim_number"), ClaimLine.position, Part.part_number,
                  Part.name.label("part_name"), Unit.serial)
        .join(OwedPart, OwedPart.id == ShipmentLine.owed_part_id)
        .join(Claim, Claim.id == OwedPart.claim_id)
        .join(ClaimLine, ClaimLine.id == OwedPart.claim_line_id)
        .join(Part, Part.id == OwedPart.part_id)
        .join(Unit, Unit.id == OwedPart.unit_id))


PROBLEMS = (Receipt.MISSING, Receipt.DAMAGED)  # what arrived wrong, or not at all


@dataclass(frozen=True)
class ShipmentTally:
    lines: int  # how many parts the shipment holds
    checked: int  # how many of them head office has checked on arrival
    problems: list  # those found missing or damaged, as ``shipment_rows``


def shipment_tally(shipment_id: int, rows: list | None = None) -> ShipmentTally:
    """What the shipment page says of all the shipment's lines: from ``rows`` when they are all
    of them (a first page that holds the whole shipment), else counted in one statement over its
    own lines (a shipment holds up to a hundred or so) and its problems read when there are."""
    if rows is not None:
        return ShipmentTally(len(rows), sum(row.receipt != Receipt.PENDING for row in rows),
                             [row for row in rows if row.receipt in PROBLEMS])

    def counted(condition):
        return sa.func.count(sa.case((condition, 1)))

    lines, checked, problems = db.session.execute(sa.select(
        sa.func.count(), counted(ShipmentLine.receipt != Receipt.PENDING),
        counted(ShipmentLine.receipt.in_(PROBLEMS)))
        .where(ShipmentLine.shipment_id == shipment_id)).one()
    return ShipmentTally(lines, checked, db.session.execute(shipment_rows().where(
        ShipmentLine.shipment_id == shipment_id, ShipmentLine.receipt.in_(PROBLEMS))
        .order_by(ShipmentLine.id)).all() if problems else [])


def get_shipment(shipment_id: int, user, lines: bool = True) -> ReturnShipment:
    """The shipment if ``user`` may see it, with its dealer and (unless not ``lines``) its
    lines and their parts, whole; 404 otherwise."""
    loading = [joinedload(ReturnShipment.dealer)]  # one dealer: in the shipment's own row
    if lines:
        loading.append(selectinload(ReturnShipment.lines).selectinload(ShipmentLine.owed_part)
                       .options(*owed_loading()))
    return db.first_or_404(visible_shipments(user).where(ReturnShipment.id == shipment_id)
                           .options(*loading))


def owed_summary(dealer_id: int, today: date, cap: int = TILE_CAP) -> dict:
    """For the dealer's home page: parts still owed, how many are overdue (each counted up to
    ``cap``, with ``owed_more``/``overdue_more`` past it: the list has them all, so the box
    costs the same however many a dealer owes), the next due date; in one statement."""
    still_owed = sa.select(OwedPart.id).where(OwedPart.dealer_id == dealer_id,
                                              OwedPart.status.in_(STILL_OWED))

    def counted(stmt):
        return sa.select(sa.func.count()).select_from(stmt.limit(cap + 1).subquery())

    owed, overdue, next_due = db.session.execute(sa.select(
        counted(still_owed).scalar_subquery(),
        counted(still_owed.where(OwedPart.due_on < today)).scalar_subquery(),
        still_owed.with_only_columns(sa.func.min(OwedPart.due_on))
        .where(OwedPart.due_on >= today).scalar_subquery())).one()
    return {"owed": min(owed, cap), "owed_more": owed > cap,
            "overdue": min(overdue, cap), "overdue_more": overdue > cap, "next_due": next_due}
