"""Demo delivery notes: the maker's shipments of units and parts to the dealers, through the
delivery-note service. Most were confirmed within a few days; a few recent ones are not yet
(some overdue, on the reps' chase lists), two were confirmed with a difference."""

import random
from collections import Counter
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.catalog.models import Part, PartKind
from portal.core.db import SHANGHAI
from portal.deliveries import services
from portal.deliveries.models import DeliveryNote, DeliveryStatus
from portal.extensions import db

PARTS_ONLY_DEALERS = (0, 2, 5, 7)  # dealers (by index) that also had a parts-only shipment
SHORT_PARTS = 2  # of those parts-only notes, the first two arrived one part short


def at(day: date, hour: int) -> datetime:
    """A moment on a Shanghai calendar day."""
    return datetime.combine(day, time(hour), SHANGHAI)


def shipment_age(rng: random.Random, d_index: int, from_end: int) -> tuple[int, bool]:
    """How many days ago a dealer's unit shipment left (``from_end`` 0 is its latest) and
    whether it is left unconfirmed. The latest: for a third of the dealers long enough ago to be
    overdue, for a third so recent it is still on the road, for the rest some days ago. The one
    before it is always from the last weeks, not yet paid for, so every ledger ends with an
    invoice open; the others spread over two years."""
    if from_end == 1:
        return rng.randint(8, 18), False
    if from_end == 0:
        return ((rng.randint(9, 19), True), (rng.randint(1, 3), True),
                (rng.randint(4, 15), False))[d_index % 3]
    return rng.randint(20, 700), False


def ship_units(shipments, *, today: date, rng: random.Random) -> list[DeliveryNote]:
    """One delivery note per (dealer, shipped_on, units, left unconfirmed), in shipping order
    so the numbers run with the dates; then the dealers confirm the rest."""
    clerk = db.session.scalar(sa.select(User).where(User.role == Role.CLERK).order_by(User.id))
    staff = _dealer_staff()
    plan = [(dealer, shipped, units, [], open_) for dealer, shipped, units, open_ in shipments]
    plan += _parts_shipments(rng, today, [s[0] for s in shipments])
    notes, still_open = [], set()
    for dealer, shipped, units, parts, open_ in sorted(plan, key=lambda s: (s[1], s[0].code)):
        note = services.create_note(dealer, shipped, units=units, parts=parts, actor=clerk,
                                    now=at(shipped, 9), carrier=f"鲁A{rng.randint(10000, 99999)}")
        notes.append(note)
        if open_:
            still_open.add(note.id)
    _confirm([n for n in notes if n.id not in still_open], staff, today, rng)
    return notes


def _dealer_staff() -> dict:
    users = db.session.scalars(sa.select(User).where(User.role == Role.DEALER_STAFF)
                               .order_by(User.id)).all()
    return {u.dealer_id: u for u in reversed(users)}


def _parts_shipments(rng, today: date, dealers) -> list:
    wear = db.session.scalars(sa.select(Part).where(Part.kind == PartKind.WEAR)
                              .order_by(Part.part_number)).all()
    ordered = sorted(set(dealers), key=lambda d: d.code)
    shipments = []
    for d_index in PARTS_ONLY_DEALERS:
        if d_index < len(ordered) and wear:
            parts = rng.sample(wear, min(len(wear), rng.randint(3, 6)))
            shipments.append((ordered[d_index], today - timedelta(days=rng.randint(20, 200)),
                              [], [(p, rng.randint(2, 20), None) for p in parts], False))
    return shipments


def _confirm(notes, staff: dict, today: date, rng) -> None:
    """Most within a few days of shipping, one in ten late; never later than yesterday."""
    short = 0
    for note in notes:
        delay = rng.randint(1, 4) if rng.random() < 0.9 else rng.randint(8, 20)
        confirmed_on = min(note.shipped_on + timedelta(days=delay), today - timedelta(days=1))
        received, remark = {}, ""
        if not note.lines[0].unit_id and short < SHORT_PARTS:
            line = note.lines[-1]
            received, remark = {line.id: line.quantity - 1}, "到货少一件，已联系物流查找"
            short += 1
        services.confirm_receipt(note, received, remark, actor=staff[note.dealer_id],
                                 version=note.version, now=at(confirmed_on, 15))


def summary() -> str:
    statuses = Counter(db.session.scalars(sa.select(DeliveryNote.status)).all())
    short = db.session.scalar(sa.select(sa.func.count(DeliveryNote.id))
                              .where(DeliveryNote.discrepancy))
    return (f"{sum(statuses.values())} delivery notes "
            f"({statuses[DeliveryStatus.SHIPPED]} not yet confirmed, {short} with differences)")
