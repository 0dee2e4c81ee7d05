"""The 销售发货清单 (sales delivery note): units and parts shipped to one dealer."""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import CreatedBy
from portal.core.db import Money, UTCDateTime
from portal.core.enums import TitledEnum, enum_column
from portal.core.versioning import VersionedRecord
from portal.extensions import db


class DeliveryStatus(TitledEnum):
    # on its way; the dealer has not confirmed receipt
    SHIPPED = "shipped", _l("Shipped, not confirmed")
    # the dealer confirmed receipt (possibly with differences)
    CONFIRMED = "confirmed", _l("Receipt confirmed")


class DeliveryNote(CreatedBy, VersionedRecord, db.Model):
    """A delivery note. Its unit lines also set the units' dealer, shipping date and note number
    (``Unit.delivery_note_no`` / ``delivery_confirmed`` mirror it for the unit pages)."""

    __tablename__ = "delivery_notes"
    __table_args__ = (
        sa.Index("ix_delivery_notes_dealer_status_shipped", "dealer_id", "status", "shipped_on"),
        sa.Index("ix_delivery_notes_status_shipped", "status", "shipped_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(30), unique=True)
    dealer_id: Mapped[int] = mapped_column(sa.ForeignKey("dealers.id"))
    shipped_on: Mapped[date]
    carrier: Mapped[str] = mapped_column(sa.String(60), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # Shipped against an approved stocking plan (the parts order).
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stocking_plans.id"), index=True)
    status: Mapped[DeliveryStatus] = mapped_column(enum_column(DeliveryStatus),
                                                   default=DeliveryStatus.SHIPPED)
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    discrepancy: Mapped[bool] = mapped_column(default=False)  # received ≠ shipped somewhere
    remark: Mapped[str] = mapped_column(sa.Text, default="")  # the dealer's, on confirming

    dealer = relationship("Dealer")
    plan = relationship("StockingPlan")
    confirmed_by = relationship("User", foreign_keys=[confirmed_by_id])
    lines = relationship("DeliveryLine", back_populates="note", cascade="all, delete-orphan",
                         order_by="DeliveryLine.position")

    @property
    def audit_label(self) -> str:
        return self.number


class DeliveryLine(db.Model):
    """One line: a unit (quantity 1) or a part with a quantity; what arrived, once confirmed."""

    __tablename__ = "delivery_note_lines"
    __table_args__ = (
        sa.CheckConstraint("(unit_id IS NULL) <> (part_id IS NULL)",
                           name="unit_or_part"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(
        sa.ForeignKey("delivery_notes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    part_id: Mapped[int | None] = mapped_column(sa.ForeignKey("parts.id"), index=True)
    quantity: Mapped[int] = mapped_column(default=1)
    received_qty: Mapped[int | None]
    unit_price = mapped_column(Money)

    note = relationship(DeliveryNote, back_populates="lines")
    unit = relationship("Unit")
    part = relationship("Part")
