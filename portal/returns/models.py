"""旧件返还: the old parts a dealer owes, the shipments that carry them back, their receipt,
the technical verdict on each, and the stores they end up in."""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import CreatedBy
from portal.core.db import UTCDateTime, utcnow
from portal.core.enums import TitledEnum, enum_column
from portal.core.versioning import VersionedRecord
from portal.extensions import db


class OwedStatus(TitledEnum):
    OWED = "owed", _l("To ship")  # waiting to be shipped
    SHIPPED = "shipped", _l("Shipped")  # on its way in a shipment
    RECEIVED = "received", _l("Received")  # arrived at head office (possibly damaged in transit)
    MISSING = "missing", _l("Missing")  # the shipment arrived without it; the dealer still owes it
    WAIVED = "waived", _l("Return waived")  # the technical department waived the return
    CANCELLED = "cancelled", _l("Cancelled")  # the claim went back to draft or the line was removed


class Verdict(TitledEnum):
    QUALITY_FAULT = "quality_fault", _l("Quality fault (三包成立)")
    MISUSE = "misuse", _l("Misuse")
    NOT_WARRANTY_PART = "not_warranty_part", _l("Not a warranty part")
    WRONG_PART = "wrong_part", _l("Wrong part (not the one claimed)")
    NO_DEFECT = "no_defect", _l("No defect found")
    NOT_RECEIVED = "not_received", _l("Not received")


class Destination(TitledEnum):
    REUSABLE = "reusable", _l("Reusable store (可利用旧件库)")
    SCRAP = "scrap", _l("Scrap store (废件库)")
    SUPPLIER = "supplier", _l("Back to its supplier")


STILL_OWED = (OwedStatus.OWED, OwedStatus.MISSING)
TO_COME_BACK = (*STILL_OWED, OwedStatus.SHIPPED)
# SQL for a part still to come back with no verdict: ``past_due`` asks with the same terms, the
# statuses written out (SQLite only proves a partial index holds the rows asked for from literal
# values, not bound parameters).
TO_COME_BACK_STATUSES = ", ".join(f"'{s.value}'" for s in TO_COME_BACK)
TO_COME_BACK_SQL = f"status IN ({TO_COME_BACK_STATUSES}) AND verdict IS NULL"


class OwedPart(VersionedRecord, db.Model):
    """One replaced part a dealer must send back: a claim line of a return-required part."""

    __tablename__ = "owed_parts"
    __table_args__ = (
        sa.Index("ix_owed_parts_dealer_status_due", "dealer_id", "status", "due_on"),
        sa.Index("ix_owed_parts_status_due", "status", "due_on"),
        sa.Index("ix_owed_parts_verdict", "verdict", "verdict_at"),
        # Indexes whose leading columns are exactly the WHERE of an open-work count (home pages,
        # dashboard, readiness for finance) and which hold every column it reads.
        # The parts to judge, in the order the queue is worked (received_on, id): its count
        # and its first page read the index only, with no sort of the thousands waiting.
        sa.Index("ix_owed_parts_to_judge", "status", "verdict", "received_on", "id"),
        # The same queue's first page on PostgreSQL, which takes ``verdict IS NULL`` in an index
        # as a filter, not as an equality its order can follow: without this it sorted every part
        # waiting, in parallel workers (16 -> 44 ms from scale 0.25 to 1.0).
        sa.Index("ix_owed_parts_judge_order", "status", "received_on", "id",
                 sqlite_where=sa.text("verdict IS NULL"),
                 postgresql_where=sa.text("verdict IS NULL")),
        sa.Index("ix_owed_parts_waiting", "claim_id", "verdict", "status"),
        sa.Index("ix_owed_parts_past_due", "verdict", "status", "due_on", "dealer_id"),
        # Head office's overdue list walks the parts still to come back in due order and stops
        # after a page, instead of sorting the tens of thousands overdue (``past_due``).
        sa.Index("ix_owed_parts_to_come_due", "due_on", "id",
                 sqlite_where=sa.text(TO_COME_BACK_SQL),
                 postgresql_where=sa.text(TO_COME_BACK_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claims.id"), index=True)
    claim_line_id: Mapped[int] = mapped_column(sa.ForeignKey("claim_lines.id"), unique=True)
    # The dealer that owes the part; None for a head-office repair's part, which its
    # technician or rep hands in to the sales company (no dealer's hold, list or compliance).
    dealer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("dealers.id"))
    part_id: Mapped[int] = mapped_column(sa.ForeignKey("parts.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    quantity: Mapped[int] = mapped_column(default=1)
    due_on: Mapped[date]
    status: Mapped[OwedStatus] = mapped_column(enum_column(OwedStatus), default=OwedStatus.OWED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_on: Mapped[date | None]  # business date it arrived at head office
    # The day it left on the dealer's returning delivery truck (``left_on_truck``), its return
    # counting from then; None when it travels otherwise or has not left.
    truck_left_on: Mapped[date | None]
    damaged: Mapped[bool] = mapped_column(default=False)  # arrived damaged in transit
    waived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waived_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    waive_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # The technical verdict (鉴定) on the part.
    verdict: Mapped[Verdict | None] = mapped_column(enum_column(Verdict, 30))
    cause_code_id: Mapped[int | None] = mapped_column(sa.ForeignKey("fault_codes.id"))
    cause: Mapped[str] = mapped_column(sa.Text, default="")
    destination: Mapped[Destination | None] = mapped_column(enum_column(Destination))
    verdict_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    verdict_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    claim = relationship("Claim")
    line = relationship("ClaimLine")
    dealer = relationship("Dealer")
    part = relationship("Part")
    unit = relationship("Unit")
    cause_code = relationship("FaultCode")
    waived_by = relationship("User", foreign_keys=[waived_by_id])
    verdict_by = relationship("User", foreign_keys=[verdict_by_id])
    shipment_lines = relationship("ShipmentLine", back_populates="owed_part",
                                  order_by="ShipmentLine.id")
    photos = relationship("VerdictPhoto", back_populates="owed_part",
                          order_by="VerdictPhoto.id", cascade="all, delete-orphan")
    store_item = relationship("StoreItem", back_populates="owed_part", uselist=False)

    @property
    def audit_label(self) -> str:
        return f"{self.claim.number} #{self.line.position} {self.part.part_number}"

    @hybrid_property
    def returned_on(self) -> date | None:
        """The day its return counts for the due date: the day it left on a returning delivery
        truck, else the day it arrived; None while it is still owed (or on its way by other
        means). The same rule in SQL for the compliance counts."""
        return self.truck_left_on or self.received_on

    @returned_on.inplace.expression
    @classmethod
    def _returned_on(cls):
        return sa.func.coalesce(cls.truck_left_on, cls.received_on)

    @hybrid_property
    def to_take_in(self) -> bool:
        """A head-office repair's part (owed by no dealer) still owed: the sales company takes
        it in from the hand of whoever replaced it. The same rule in SQL for its work queue."""
        return self.dealer_id is None and self.status in STILL_OWED

    @to_take_in.inplace.expression
    @classmethod
    def _to_take_in(cls):
        return sa.and_(cls.dealer_id.is_(None), cls.status.in_(STILL_OWED))

    @property
    def days_late(self) -> int:
        """Days its return came after the due date (0 on time or not returned yet)."""
        if self.returned_on is None:
            return 0
        return max((self.returned_on - self.due_on).days, 0)

    @property
    def qr_text(self) -> str:
        """What the label's QR code says: enough to find the part with no paper attached."""
        return f"SBOP:{self.id}:{self.claim.number}:{self.line.position}"


def waiting_for_verdict():
    """An owed part that still holds its claim back from finance: neither judged nor excused
    from return. (A late part whose lateness was waived is still received, and still needs its
    verdict.)"""
    return sa.and_(OwedPart.status.notin_((OwedStatus.CANCELLED, OwedStatus.WAIVED)),
                   OwedPart.verdict.is_(None))


def mark_parts_pending(connection, claim_ids) -> None:
    """Set ``claims.parts_pending`` of these claims from their owed parts."""
    claims = OwedPart.__table__.metadata.tables["claims"]
    connection.execute(sa.update(claims).where(claims.c.id.in_(sorted(claim_ids))).values(
        parts_pending=sa.exists().where(OwedPart.claim_id == claims.c.id, waiting_for_verdict())))


@sa.event.listens_for(sa.orm.Session, "after_flush")
def _keep_parts_pending(session, flush_context) -> None:
    """Every flush that adds, changes or removes an owed part sets its claim's ``parts_pending``
    in the same transaction: the one place the flag follows a verdict, a waiver, a receipt, a
    cancellation, so the rep's count of claims ready to forward is exact at once."""
    ids = {o.claim_id for o in (*session.new, *session.dirty, *session.deleted)
           if isinstance(o, OwedPart) and o.claim_id is not None}
    if ids:
        mark_parts_pending(session.connection(), ids)
        session.info.setdefault("parts_pending", set()).update(ids)


@sa.event.listens_for(sa.orm.Session, "after_flush_postexec")
def _expire_parts_pending(session, flush_context) -> None:
    """A claim loaded in the session reads its new flag from the database."""
    claim_class = OwedPart.claim.property.mapper.class_
    for claim_id in session.info.pop("parts_pending", ()):
        claim = session.identity_map.get(sa.orm.util.identity_key(claim_class, claim_id))
        if claim is not None:
            session.expire(claim, ["parts_pending"])


class VerdictPhoto(db.Model):
    __tablename__ = "verdict_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    owed_part_id: Mapped[int] = mapped_column(sa.ForeignKey("owed_parts.id", ondelete="CASCADE"),
                                              index=True)
    path: Mapped[str] = mapped_column(sa.String(200))
    name: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owed_part = relationship(OwedPart, back_populates="photos")


class ShipMethod(TitledEnum):
    TRUCK = "truck", _l("On a returning delivery truck")
    COURIER = "courier", _l("By courier")
    IN_PERSON = "in_person", _l("Delivered in person")


def left_on_truck(shipment: "ReturnShipment") -> date | None:
    """The day a shipment's parts count as returned from when they travel on the dealer's
    returning delivery truck (the scheme allows a return at any time that way, and the clerk's
    scan days later must not make it late); None for a courier or in person, whose parts count
    from the day they arrive."""
    return shipment.shipped_on if shipment.method == ShipMethod.TRUCK else None


class ShipmentStatus(TitledEnum):
    SHIPPED = "shipped", _l("On its way")
    RECEIVING = "receiving", _l("Being received")
    RECONCILED = "reconciled", _l("Reconciled")


# The shipments head office has still to receive (the receiving queue, oldest first); their
# index names them in a literal list in SQL (its WHERE).
OPEN_SHIPMENTS = (ShipmentStatus.SHIPPED, ShipmentStatus.RECEIVING)
OPEN_SHIPMENTS_SQL = "status IN ({})".format(", ".join(f"'{s.value}'" for s in OPEN_SHIPMENTS))


class ReturnShipment(CreatedBy, VersionedRecord, db.Model):
    """旧件回运单: a box of old parts on its way back to head office."""

    __tablename__ = "return_shipments"
    __table_args__ = (sa.Index("ix_return_shipments_dealer_id_desc", "dealer_id", "id"),
                      sa.Index("ix_return_shipments_status_shipped", "status", "shipped_on"),
                      # The receiving queue walked in its order (a few of the shipments ever
                      # made): an index per status would be two walks to merge and sort.
                      sa.Index("ix_return_shipments_open_shipped", "shipped_on", "id",
                               sqlite_where=sa.text(OPEN_SHIPMENTS_SQL),
                               postgresql_where=sa.text(OPEN_SHIPMENTS_SQL)))

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    dealer_id: Mapped[int] = mapped_column(sa.ForeignKey("dealers.id"))
    method: Mapped[ShipMethod] = mapped_column(enum_column(ShipMethod))
    waybill: Mapped[str] = mapped_column(sa.String(60), default="")
    shipped_on: Mapped[date]
    status: Mapped[ShipmentStatus] = mapped_column(enum_column(ShipmentStatus),
                                                   default=ShipmentStatus.SHIPPED)
    reconciled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reconciled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    dealer = relationship("Dealer")
    lines = relationship("ShipmentLine", back_populates="shipment", order_by="ShipmentLine.id",
                         cascade="all, delete-orphan")

    @property
    def audit_label(self) -> str:
        return self.number


class Receipt(TitledEnum):
    PENDING = "pending", _l("Not checked yet")
    RECEIVED = "received", _l("Received")
    MISSING = "missing", _l("Missing")
    DAMAGED = "damaged", _l("Damaged in transit")


class ShipmentLine(db.Model):
    __tablename__ = "return_shipment_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("return_shipments.id", ondelete="CASCADE"), index=True)
    owed_part_id: Mapped[int] = mapped_column(sa.ForeignKey("owed_parts.id"), index=True)
    receipt: Mapped[Receipt] = mapped_column(enum_column(Receipt), default=Receipt.PENDING)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(sa.Text, default="")

    shipment = relationship(ReturnShipment, back_populates="lines")
    owed_part = relationship(OwedPart, back_populates="shipment_lines")
    received_by = relationship("User")


class StoreState(TitledEnum):
    IN_STORE = "in_store", _l("In store")
    REUSED = "reused", _l("Reused")
    SCRAPPED = "scrapped", _l("Scrapped")
    DISPATCHED = "dispatched", _l("Sent to the supplier")


class StoreItem(VersionedRecord, db.Model):
    """An adjudicated old part in the reusable store, the scrap store, or waiting for its
    supplier; and what became of it."""

    __tablename__ = "store_items"
    __table_args__ = (sa.Index("ix_store_items_store_state_in", "store", "state", "entered_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owed_part_id: Mapped[int] = mapped_column(sa.ForeignKey("owed_parts.id"), unique=True)
    store: Mapped[Destination] = mapped_column(enum_column(Destination))
    entered_on: Mapped[date]
    state: Mapped[StoreState] = mapped_column(enum_column(StoreState),
                                              default=StoreState.IN_STORE)
    out_on: Mapped[date | None]
    out_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    out_note: Mapped[str] = mapped_column(sa.Text, default="")

    owed_part = relationship(OwedPart, back_populates="store_item")
    out_by = relationship("User")

    @property
    def audit_label(self) -> str:
        return self.owed_part.audit_label
