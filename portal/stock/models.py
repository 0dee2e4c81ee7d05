"""The 库存产品返厂 request: a dealer asks to send an unsold unit back to the factory."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Money, UTCDateTime, utcnow
from portal.core.enums import TitledEnum, enum_column
from portal.core.versioning import VersionedRecord
from portal.extensions import db


class StockReturnReason(TitledEnum):
    # the product itself is defective: the maker pays the freight
    DEFECTIVE = "defective", _l("Defective product")
    # the dealer took it apart: dealer's freight and restoration
    DISMANTLED = "dismantled", _l("Taken apart by the dealer")
    # otherwise unsellable: the dealer's freight
    UNSELLABLE = "unsellable", _l("Otherwise unsellable")


class StockReturnStatus(TitledEnum):
    REQUESTED = "requested", _l("Requested")
    APPROVED = "approved", _l("Approved, to be sent")  # the dealer may send it
    REFUSED = "refused", _l("Refused")
    # back at the factory; the unit left the dealer's stock
    RECEIVED = "received", _l("Received at the factory")
    CANCELLED = "cancelled", _l("Cancelled")  # withdrawn by the dealer before a decision


OPEN_RETURN = (StockReturnStatus.REQUESTED, StockReturnStatus.APPROVED)


class FreightPayer(TitledEnum):
    MAKER = "maker", _l("The maker")
    DEALER = "dealer", _l("The dealer")


class StockReturn(VersionedRecord, db.Model):
    """One unit a dealer asks to return; who pays the freight and whether restoration labour
    is charged follow from the reason (rules in ``portal/stock/rules.py``)."""

    __tablename__ = "stock_returns"
    __table_args__ = (
        sa.Index("ix_stock_returns_dealer_status_id", "dealer_id", "status", "id"),
        sa.Index("ix_stock_returns_status_requested", "status", "requested_at"),
        # One open return per unit, even when two of the dealer's staff ask at once.
        sa.Index("uq_stock_returns_unit_open", "unit_id", unique=True,
                 sqlite_where=sa.text("status IN ('requested', 'approved')"),
                 postgresql_where=sa.text("status IN ('requested', 'approved')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    dealer_id: Mapped[int] = mapped_column(sa.ForeignKey("dealers.id"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    reason: Mapped[StockReturnReason] = mapped_column(enum_column(StockReturnReason))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[StockReturnStatus] = mapped_column(
        enum_column(StockReturnStatus), default=StockReturnStatus.REQUESTED)
    freight_payer: Mapped[FreightPayer] = mapped_column(enum_column(FreightPayer))
    restoration_charged: Mapped[bool] = mapped_column(default=False)
    restoration_fee = mapped_column(Money)  # set by head office; charged on receipt
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")
    received_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_note: Mapped[str] = mapped_column(sa.Text, default="")
    # The restoration charge posted to the dealer's receivable on receipt.
    ledger_entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_entries.id"))

    dealer = relationship("Dealer")
    unit = relationship("Unit")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    received_by = relationship("User", foreign_keys=[received_by_id])
    ledger_entry = relationship("LedgerEntry")

    @property
    def audit_label(self) -> str:
        return self.number
