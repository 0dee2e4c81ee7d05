"""The 三包回执卡 (warranty card) of a unit, and the owners it passed through."""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import CreatedBy
from portal.core.db import UTCDateTime, utcnow
from portal.core.enums import TitledEnum, enum_column
from portal.core.versioning import VersionedRecord
from portal.extensions import db


class CardStatus(TitledEnum):
    # the sale is recorded; the card is not filed yet (the deadline runs)
    DRAFT = "draft", _l("Sale recorded, card not filed")
    FILED = "filed", _l("Filed")
    VOID = "void", _l("Void")


class WarrantyCard(CreatedBy, VersionedRecord, db.Model):
    __tablename__ = "warranty_cards"
    __table_args__ = (
        # One card in force per unit: a void card does not count.
        sa.Index("uq_warranty_cards_unit_in_force", "unit_id", unique=True,
                 sqlite_where=sa.text("status != 'void'"),
                 postgresql_where=sa.text("status != 'void'")),
        sa.Index("ix_warranty_cards_dealer_status", "dealer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    dealer_id: Mapped[int] = mapped_column(sa.ForeignKey("dealers.id"))
    status: Mapped[CardStatus] = mapped_column(enum_column(CardStatus), default=CardStatus.DRAFT)
    buyer_name: Mapped[str] = mapped_column(sa.String(60))
    buyer_phone: Mapped[str] = mapped_column(sa.String(20), default="")
    buyer_id_no: Mapped[str] = mapped_column(sa.String(60), default="")
    province: Mapped[str] = mapped_column(sa.String(30), default="")
    city: Mapped[str] = mapped_column(sa.String(30), default="")
    county: Mapped[str] = mapped_column(sa.String(30), default="")
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    invoice_no: Mapped[str] = mapped_column(sa.String(40), default="")
    invoice_date: Mapped[date | None]
    sale_date: Mapped[date] = mapped_column(index=True)
    received_on: Mapped[date | None]
    late_days: Mapped[int] = mapped_column(default=0)
    exception_reason: Mapped[str] = mapped_column(sa.Text, default="")
    exception_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    exception_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scan_path: Mapped[str] = mapped_column(sa.String(200), default="")
    scan_name: Mapped[str] = mapped_column(sa.String(200), default="")
    scan_type: Mapped[str] = mapped_column(sa.String(40), default="")
    filed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The card moved to this unit in an exchange (portal/cases) that day: its clocks restart.
    exchanged_on: Mapped[date | None]

    unit = relationship("Unit", back_populates="cards")
    dealer = relationship("Dealer")
    exception_by = relationship("User", foreign_keys=[exception_by_id])
    owners = relationship("CardOwnerChange", back_populates="card",
                          order_by="CardOwnerChange.id", cascade="all, delete-orphan")

    @property
    def audit_label(self) -> str:
        return f"{self.unit.serial} {self.buyer_name}"

    @property
    def is_late(self) -> bool:
        return self.late_days > 0

    @property
    def recognised(self) -> bool:
        """Filed, and on time or excused by the technical department."""
        return self.status == CardStatus.FILED and (not self.is_late or bool(self.exception_at))


class CardOwnerChange(db.Model):
    """A resale: the card passed from one owner to the next, keeping its dates."""

    __tablename__ = "card_owner_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(sa.ForeignKey("warranty_cards.id"), index=True)
    changed_on: Mapped[date]
    previous_owner: Mapped[dict] = mapped_column(sa.JSON)
    new_owner: Mapped[dict] = mapped_column(sa.JSON)
    by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    card = relationship(WarrantyCard, back_populates="owners")
    by = relationship("User")
