"""A unit (整机): one machine, from the factory to the dealer it was shipped to."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import UTCDateTime, utcnow
from portal.core.versioning import VersionedRecord
from portal.extensions import db


class Unit(VersionedRecord, db.Model):
    __tablename__ = "units"
    # Whether a dealer holds units of some models (who a season asks for a plan): a seek per
    # model, not a read of every unit the dealer holds. A dealer's stock by shipping day, with
    # the model (its category): the units about to count as sold are counted from the index
    # alone (portal/stock/deemed.py). The dealer's own index stays, for its units in id order.
    __table_args__ = (sa.Index("ix_units_dealer_model", "dealer_id", "model_id"),
                      sa.Index("ix_units_dealer_shipped", "dealer_id", "shipped_on", "model_id"),
                      # a dealer's search by the start of a serial or engine number, a range
                      # of each (portal/units/search.py); its list in serial order
                      sa.Index("ix_units_dealer_serial", "dealer_id", "serial"),
                      sa.Index("ix_units_dealer_engine", "dealer_id", "engine_no"))

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(sa.String(40), unique=True)
    model_id: Mapped[int] = mapped_column(sa.ForeignKey("product_models.id"), index=True)
    engine_no: Mapped[str] = mapped_column(sa.String(40), default="", index=True)
    frame_no: Mapped[str] = mapped_column(sa.String(40), default="")
    production_date: Mapped[date]
    batch: Mapped[str] = mapped_column(sa.String(40), index=True)
    dealer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("dealers.id"), index=True)
    shipped_on: Mapped[date | None]
    # the units list filters by it: a delivery note's QR code scanned (portal/units/search.py)
    delivery_note_no: Mapped[str] = mapped_column(sa.String(40), default="", index=True)
    delivery_confirmed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    model = relationship("ProductModel")
    dealer = relationship("Dealer")
    cards = relationship("WarrantyCard", back_populates="unit", order_by="WarrantyCard.id")

    @property
    def audit_label(self) -> str:
        return self.serial

    @property
    def card(self):
        """The card in force (draft or filed), if any."""
        return next((c for c in self.cards if c.status != "void"), None)
