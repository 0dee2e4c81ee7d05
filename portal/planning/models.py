"""The 配件储备计划 (spare-parts stocking plan) a dealer submits for a season, and its lines."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import CreatedBy
from portal.core.db import Money, UTCDateTime
from portal.core.enums import TitledEnum, enum_column
from portal.core.numbering import plan_reference
from portal.core.versioning import VersionedRecord
from portal.extensions import db


class PlanStatus(TitledEnum):
    DRAFT = "draft", _l("Draft")  # the dealer is working on it (or it was sent back)
    SUBMITTED = "submitted", _l("Submitted")  # waits for the rep or the clerk
    APPROVED = "approved", _l("Approved")  # the quantities are final; it exports as a parts order


class PlanSection(TitledEnum):
    WARRANTY = "warranty", _l("Warranty parts")  # 三包件: main and other parts under warranty
    WEAR = "wear", _l("Wear parts")  # 易损件


class StockingPlan(CreatedBy, VersionedRecord, db.Model):
    """One dealer's stocking plan for one season (at most one per dealer and season)."""

    __tablename__ = "stocking_plans"
    __table_args__ = (
        sa.UniqueConstraint("season_id", "dealer_id", name="uq_stocking_plans_season_dealer"),
        sa.Index("ix_stocking_plans_season_status", "season_id", "status"),
        sa.Index("ix_stocking_plans_dealer_season", "dealer_id", "season_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    season_id: Mapped[int] = mapped_column(sa.ForeignKey("seasons.id"))
    dealer_id: Mapped[int] = mapped_column(sa.ForeignKey("dealers.id"))
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus), default=PlanStatus.DRAFT)
    note: Mapped[str] = mapped_column(sa.Text, default="")  # the dealer's remarks
    # When the suggested quantities were last worked out, and the units they assumed.
    suggested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    working_units: Mapped[int] = mapped_column(default=0)
    total_amount = mapped_column(Money, nullable=False, default=0)  # quantity × price
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_late: Mapped[bool] = mapped_column(default=False)  # after the due date
    returned_reason: Mapped[str] = mapped_column(sa.Text, default="")  # the last send-back
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    review_note: Mapped[str] = mapped_column(sa.Text, default="")
    approved_amount = mapped_column(Money)  # approved quantity × price

    season = relationship("Season")
    dealer = relationship("Dealer")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    lines = relationship("StockingPlanLine", back_populates="plan", cascade="all, delete-orphan",
                         order_by="StockingPlanLine.position")

    @property
    def shippable(self) -> bool:
        """Delivery notes may be shipped against an approved plan only."""
        return self.status == PlanStatus.APPROVED

    @property
    def number(self) -> str:
        """The order reference the parts sales department sees: season id and dealer code."""
        return plan_reference(self.season_id, self.dealer.code)

    @property
    def audit_label(self) -> str:
        return self.number


class StockingPlanLine(db.Model):
    """One part of a plan: what the portal suggested and why, what the dealer asked for and
    what the reviewer approved (a change needs a reason)."""

    __tablename__ = "stocking_plan_lines"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "part_id", name="uq_stocking_plan_lines_plan_part"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        sa.ForeignKey("stocking_plans.id", ondelete="CASCADE"), index=True)
    part_id: Mapped[int] = mapped_column(sa.ForeignKey("parts.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    section: Mapped[PlanSection] = mapped_column(enum_column(PlanSection))
    suggested_qty: Mapped[int] = mapped_column(default=0)
    # The suggestion's basis: units, rate, failures, exposure, prior, consumption, expected.
    basis: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    quantity: Mapped[int] = mapped_column(default=0)  # the dealer's
    approved_qty: Mapped[int | None]
    adjust_reason: Mapped[str] = mapped_column(sa.Text, default="")  # the reviewer's
    unit_price = mapped_column(Money, nullable=False)

    plan = relationship(StockingPlan, back_populates="lines")
    part = relationship("Part")

    @property
    def overridden(self) -> bool:
        return self.quantity != self.suggested_qty

    @property
    def final_qty(self) -> int:
        return self.quantity if self.approved_qty is None else self.approved_qty
