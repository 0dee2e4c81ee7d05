"""The exchange or refund case (包换 / 包退) and its states."""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Money, UTCDateTime, utcnow
from portal.core.enums import TitledEnum, enum_column
from portal.core.versioning import VersionedRecord
from portal.extensions import db


class CaseKind(TitledEnum):
    EXCHANGE = "exchange", _l("Exchange (包换)")
    REFUND = "refund", _l("Refund (包退)")


class CaseOrigin(TitledEnum):
    ENTITLEMENT = "entitlement", _l("An entitlement the rules raised")
    BUYER_REQUEST = "buyer_request", _l("The buyer's request")
    # a failure in the first days after the sale: the buyer chooses an exchange over a repair
    EARLY_CHOICE = "early_choice", _l("The buyer's choice in the first days after the sale")


class CaseStatus(TitledEnum):
    REQUESTED = "requested", _l("Requested")  # waiting for the technical department
    APPROVED = "approved", _l("Approved, to carry out")
    REFUSED = "refused", _l("Refused")
    COMPLETED = "completed", _l("Completed")


class MachineVerdict(TitledEnum):
    """The technical department's verdict on a failed machine back at the factory."""

    QUALITY_FAULT = "quality_fault", _l("Quality fault (三包成立)")
    MISUSE = "misuse", _l("Misuse")
    NO_DEFECT = "no_defect", _l("No defect found")


OPEN_CASE = (CaseStatus.REQUESTED, CaseStatus.APPROVED)
OPEN_CASE_SQL = "status IN ('requested', 'approved')"


class SanbaoCase(VersionedRecord, db.Model):
    """One exchange or refund for the buyer of a unit. The buyer's name and phone are copied
    from the card when the case opens, so the case still names him after the card moves."""

    __tablename__ = "sanbao_cases"
    __table_args__ = (
        sa.Index("ix_sanbao_cases_dealer_status_id", "dealer_id", "status", "id"),
        sa.Index("ix_sanbao_cases_status_requested", "status", "requested_at"),
        # The work queues (portal/cases/queues.py), each filtered and worked down by these.
        sa.Index("ix_sanbao_cases_status_decided", "status", "decided_at"),
        sa.Index("ix_sanbao_cases_machine_to_receive", "status", "machine_received_on",
                 "completed_on"),
        sa.Index("ix_sanbao_cases_machine_to_judge", "machine_verdict", "machine_received_on"),
        # One open case per unit, even when the dealer and the clerk open one at once.
        sa.Index("uq_sanbao_cases_unit_open", "unit_id", unique=True,
                 sqlite_where=sa.text(OPEN_CASE_SQL), postgresql_where=sa.text(OPEN_CASE_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    kind: Mapped[CaseKind] = mapped_column(enum_column(CaseKind))
    origin: Mapped[CaseOrigin] = mapped_column(enum_column(CaseOrigin))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    dealer_id: Mapped[int] = mapped_column(sa.ForeignKey("dealers.id"))
    card_id: Mapped[int] = mapped_column(sa.ForeignKey("warranty_cards.id"), index=True)
    buyer_name: Mapped[str] = mapped_column(sa.String(60))
    buyer_phone: Mapped[str] = mapped_column(sa.String(20), default="")
    flag_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit_flags.id"), index=True)
    failed_on: Mapped[date | None]  # the failure behind an early-days choice
    reason: Mapped[str] = mapped_column(sa.Text)
    invoice_amount = mapped_column(Money)  # the buyer's invoice (购机发票), for a refund
    status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus),
                                               default=CaseStatus.REQUESTED)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")
    completed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_on: Mapped[date | None]  # the business day the buyer got his machine or money
    replacement_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"),
                                                            index=True)
    # The replacement was a factory machine placed with the dealer on the case (not his own
    # stock): the settlement charges its price (portal/cases/settlement.py).
    replacement_from_factory: Mapped[bool] = mapped_column(default=False,
                                                           server_default=sa.false())
    # An exchange for another model of the same category, which the buyer agreed to instead of
    # the same model and specification (portal/cases/handover.py), and the price difference he
    # settled with the dealer: + he paid more (补差), − the dealer paid him back (返差). The
    # buyer's own affair with the dealer: no part of the maker's settlement.
    other_model_agreed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    buyer_difference = mapped_column(Money)
    new_card_id: Mapped[int | None] = mapped_column(sa.ForeignKey("warranty_cards.id"))
    refund_amount = mapped_column(Money)
    buyer_receipt: Mapped[str] = mapped_column(sa.String(100), default="")
    # The failed machine back at the factory (portal/cases/machine.py).
    machine_received_on: Mapped[date | None]
    machine_received_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    machine_verdict: Mapped[MachineVerdict | None] = mapped_column(enum_column(MachineVerdict))
    machine_cause: Mapped[str] = mapped_column(sa.Text, default="")
    machine_judged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    machine_judged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A quality fault names the main part that failed: its supplier pays for it
    # (portal/cases/recovery.py).
    machine_part_id: Mapped[int | None] = mapped_column(sa.ForeignKey("parts.id"), index=True)
    # its catalogue price at the verdict: what its supplier is asked for (portal/cases/recovery.py)
    machine_part_cost = mapped_column(Money)

    unit = relationship("Unit", foreign_keys=[unit_id])
    dealer = relationship("Dealer")
    card = relationship("WarrantyCard", foreign_keys=[card_id])
    new_card = relationship("WarrantyCard", foreign_keys=[new_card_id])
    flag = relationship("UnitFlag")
    replacement = relationship("Unit", foreign_keys=[replacement_unit_id])
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    completed_by = relationship("User", foreign_keys=[completed_by_id])
    machine_received_by = relationship("User", foreign_keys=[machine_received_by_id])
    machine_judged_by = relationship("User", foreign_keys=[machine_judged_by_id])
    machine_part = relationship("Part")

    @property
    def audit_label(self) -> str:
        return self.number
