"""The 三包维修记录 (repair record) and its claim: one object, its lines, files and flags."""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import CreatedBy
from portal.core.db import Money, UTCDateTime, shanghai_today, utcnow
from portal.core.enums import TitledEnum, enum_column
from portal.core.versioning import VersionedRecord
from portal.extensions import db


class ClaimStatus(TitledEnum):
    DRAFT = "draft", _l("Draft")
    SUBMITTED = "submitted", _l("Submitted")
    UNDER_REVIEW = "under_review", _l("Under technical review")
    APPROVED = "approved", _l("Approved")
    PARTLY_APPROVED = "partly_approved", _l("Partly approved")
    REJECTED = "rejected", _l("Rejected")


class FinanceStage(TitledEnum):
    """Where a technically decided claim stands with the sales rep and finance."""

    FORWARDED = "forwarded", _l("With finance")  # the rep forwarded it; finance audits it
    # finance approved its cost; waits for (or is in) a notice
    APPROVED = "approved", _l("Cost approved")
    REJECTED = "rejected", _l("Cost rejected")  # finance rejected its cost
    WRITTEN_OFF = "written_off", _l("Written off")  # its notice was confirmed and offset


DECIDED = (ClaimStatus.APPROVED, ClaimStatus.PARTLY_APPROVED, ClaimStatus.REJECTED)
OPEN_FOR_REVIEW = (ClaimStatus.SUBMITTED, ClaimStatus.UNDER_REVIEW)


class LineKind(TitledEnum):
    PART = "part", _l("Part")
    LABOUR = "labour", _l("Labour")
    TRAVEL = "travel", _l("Travel")
    OTHER = "other", _l("Other cost")


class Decision(TitledEnum):
    PENDING = "pending", _l("Not decided")
    APPROVED = "approved", _l("Approved")
    REDUCED = "reduced", _l("Reduced")
    REJECTED = "rejected", _l("Rejected")


class RejectCode(TitledEnum):
    OUT_OF_PERIOD = "out_of_period", _l("Out of the warranty period")
    NO_PROOF = "no_proof", _l("No valid warranty card or proof of purchase")
    MISUSE = "misuse", _l("Not used or maintained as the manual says")
    RUNNING_IN = "running_in", _l("Worked hard during running-in")
    MODIFICATION = "modification", _l("Unauthorised modification or disassembly")
    USER_DAMAGE = "user_damage", _l("Damaged by the user")
    FORCE_MAJEURE = "force_majeure", _l("Force majeure")
    NO_DEFECT = "no_defect", _l("No defect found")
    DUPLICATE = "duplicate", _l("Duplicate claim")
    NOT_WARRANTY_PART = "not_warranty_part", _l("Not a warranty part")
    OTHER = "other", _l("Other reason")


class Claim(CreatedBy, VersionedRecord, db.Model):
    """A warranty repair record, which is also what the dealer claims money on."""

    __tablename__ = "claims"
    __table_args__ = (
        sa.Index("ix_claims_dealer_status_id", "dealer_id", "status", "id"),
        # A dealer's newest claims (the claims list), read in order without a sort.
        sa.Index("ix_claims_dealer_id", "dealer_id", "id"),
        # A dealer's search by the start of a claim number: with the serial's index on units, a
        # search reads the few matches instead of walking all the dealer's claims.
        sa.Index("ix_claims_dealer_number", "dealer_id", "number"),
        sa.Index("ix_claims_status_submitted", "status", "submitted_at"),
        sa.Index("ix_claims_unit_failure", "unit_id", "failure_date"),
        # A dealer's failures in a season (a stocking plan's consumption and suggestion): read
        # from the dealer's claims of those months, not from every claim line of the parts.
        sa.Index("ix_claims_dealer_failure", "dealer_id", "failure_date"),
        sa.Index("ix_claims_finance", "finance_stage", "dealer_id", "finance_on"),
        # Indexes whose leading columns are exactly the WHERE of an open-work count (home pages,
        # dashboard) and which hold every column it reads: the count reads only those rows.
        sa.Index("ix_claims_samples_pending", "status", "sampled", "sample_reviewed_at",
                 "dealer_id", "decided_at", "decided_by_rules"),
        # The rep's queue to forward leaves out head office's own records (the maker's cost);
        # its count of the ready ones reads the columns of ``ready_for_finance`` from here.
        sa.Index("ix_claims_to_forward", "finance_stage", "status", "dealer_id", "decided_at",
                 "filed_by_head_office", "parts_pending", "decided_by_rules", "sampled",
                 "sample_reviewed_at"),
        sa.Index("ix_claims_forwarded", "finance_stage", "dealer_id", "forwarded_at"),
        sa.Index("ix_claims_unnoticed", "finance_stage", "notice_id", "dealer_id", "finance_on",
                 "total_finance"),
        # The same by audit month: the generation page's months waiting, a month's sums per dealer.
        sa.Index("ix_claims_unnoticed_month", "finance_stage", "notice_id", "finance_on",
                 "dealer_id", "total_finance"),
        sa.Index("ix_claims_decided_rules", "decided_at", "status", "decided_by_rules"),
        # A dealer's repairs of one day: the return-visit tallies recount them on each change.
        sa.Index("ix_claims_dealer_completed", "dealer_id", "completed_on"),
        # The list's filter "head office's records": few rows, read newest first.
        sa.Index("ix_claims_head_office", "filed_by_head_office", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    dealer_id: Mapped[int] = mapped_column(sa.ForeignKey("dealers.id"))
    # Head office repaired the unit itself (the technical department or a sales rep filed the
    # record): its cost is the maker's own, on no dealer's notice or ledger. ``dealer_id`` stays
    # the unit's dealer, so every scope (the dealer's unit history, the rep's dealers) holds.
    filed_by_head_office: Mapped[bool] = mapped_column(default=False,
                                                       server_default=sa.false())
    service_request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("service_requests.id"), index=True)
    status: Mapped[ClaimStatus] = mapped_column(enum_column(ClaimStatus),
                                                default=ClaimStatus.DRAFT)
    failure_date: Mapped[date]
    handed_in_on: Mapped[date | None]
    completed_on: Mapped[date | None]
    # Days the unit waited for parts (无维修配件待修), from the first up to the day they came:
    # they extend the warranty clocks like the days in the workshop, each day once.
    parts_waited_from: Mapped[date | None]
    parts_waited_to: Mapped[date | None]
    hour_meter = mapped_column(sa.Numeric(9, 1))
    fault_code_id: Mapped[int | None] = mapped_column(sa.ForeignKey("fault_codes.id"),
                                                      index=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    cause: Mapped[str] = mapped_column(sa.Text, default="")
    work_done: Mapped[str] = mapped_column(sa.Text, default="")
    technician: Mapped[str] = mapped_column(sa.String(60), default="")
    total_claimed = mapped_column(Money, nullable=False, default=0)
    total_approved = mapped_column(Money)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    decided_by_rules: Mapped[bool] = mapped_column(default=False)
    # A rules-decided claim drawn for after-the-fact review, and that review.
    sampled: Mapped[bool] = mapped_column(default=False)
    sample_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sample_reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Old parts still waiting for a verdict or a waiver (``portal.returns.models``: kept by every
    # flush that touches an owed part), so the rep's count of claims ready to forward reads a
    # column instead of asking after each claim's owed parts.
    parts_pending: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    checks: Mapped[list] = mapped_column(sa.JSON, default=list)  # as at submission
    # After the technical decision: the rep's forwarding, finance's audit, the notice.
    finance_stage: Mapped[FinanceStage | None] = mapped_column(enum_column(FinanceStage))
    forwarded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finance_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    finance_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finance_on: Mapped[date | None] = mapped_column(sa.Date)  # the audit's day in Shanghai
    finance_note: Mapped[str] = mapped_column(sa.Text, default="")
    total_finance = mapped_column(Money)
    notice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("write_off_notices.id"),
                                                  index=True)

    unit = relationship("Unit")
    dealer = relationship("Dealer")
    fault_code = relationship("FaultCode")
    service_request = relationship("ServiceRequest", back_populates="claims")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    reviewer = relationship("User", foreign_keys=[reviewer_id])
    forwarded_by = relationship("User", foreign_keys=[forwarded_by_id])
    finance_by = relationship("User", foreign_keys=[finance_by_id])
    notice = relationship("WriteOffNotice", foreign_keys=[notice_id])
    lines = relationship("ClaimLine", back_populates="claim", order_by="ClaimLine.position",
                         cascade="all, delete-orphan")
    attachments = relationship("ClaimAttachment", back_populates="claim",
                               order_by="ClaimAttachment.id", cascade="all, delete-orphan")
    return_visit = relationship("ReturnVisit", back_populates="claim", uselist=False)

    @property
    def audit_label(self) -> str:
        return self.number

    @property
    def photos(self):
        return [a for a in self.attachments if a.kind == AttachmentKind.PHOTO]

    @property
    def signature(self):
        """The newest signature (drawn or scanned), if any."""
        signatures = [a for a in self.attachments if a.kind == AttachmentKind.SIGNATURE]
        return signatures[-1] if signatures else None

    @property
    def is_decided(self) -> bool:
        return self.status in DECIDED


class ClaimLine(db.Model):
    """One cost of a claim: a part, labour, travel or another cost, and its decision."""

    __tablename__ = "claim_lines"
    # A claim's lines (by its prefix), and its failure lines of a part (an alert's failures:
    # portal/quality/warning.py claims_behind) found without reading each line's row.
    __table_args__ = (sa.Index("ix_claim_lines_claim_part", "claim_id", "part_id", "kind",
                               "decision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claims.id", ondelete="CASCADE"))
    position: Mapped[int]
    kind: Mapped[LineKind] = mapped_column(enum_column(LineKind))
    part_id: Mapped[int | None] = mapped_column(sa.ForeignKey("parts.id"), index=True)
    quantity: Mapped[int | None]
    unit_price = mapped_column(Money)
    fault_code_id: Mapped[int | None] = mapped_column(sa.ForeignKey("fault_codes.id"))
    hours = mapped_column(sa.Numeric(6, 2))
    standard_hours = mapped_column(sa.Numeric(6, 2))
    hourly_rate = mapped_column(Money)
    km: Mapped[int | None]
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    amount = mapped_column(Money, nullable=False)
    # Covered for the buyer (the repair is free to him), and why not: coverage reason codes.
    covered: Mapped[bool] = mapped_column(default=False)
    not_covered: Mapped[list] = mapped_column(sa.JSON, default=list)
    # Reimbursed to the dealer by the maker (covered, and the card filed and recognised), and
    # why not beyond the buyer's reasons; only reimbursed lines make the claimed total.
    reimbursed: Mapped[bool] = mapped_column(default=False)
    not_reimbursed: Mapped[list] = mapped_column(sa.JSON, default=list)
    paid_service: Mapped[bool] = mapped_column(default=False)
    # The customer agreed to pay labour hours above the standard (paid service only).
    customer_agreed: Mapped[bool] = mapped_column(default=False)
    decision: Mapped[Decision] = mapped_column(enum_column(Decision), default=Decision.PENDING)
    approved_amount = mapped_column(Money)
    reject_code: Mapped[RejectCode | None] = mapped_column(enum_column(RejectCode, 30))
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finance_amount = mapped_column(Money)  # what finance accepts of the approved amount
    finance_note: Mapped[str] = mapped_column(sa.Text, default="")

    claim = relationship(Claim, back_populates="lines")
    part = relationship("Part")
    fault_code = relationship("FaultCode")
    decided_by = relationship("User")

    @property
    def audit_label(self) -> str:
        return f"{self.claim.number} #{self.position}"


class AttachmentKind(TitledEnum):
    PHOTO = "photo", _l("Photo")
    SIGNATURE = "signature", _l("Customer signature")


class ClaimAttachment(db.Model):
    """A photo of the repair, or the customer's signature (drawn on screen or a scan)."""

    __tablename__ = "claim_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claims.id", ondelete="CASCADE"),
                                          index=True)
    kind: Mapped[AttachmentKind] = mapped_column(enum_column(AttachmentKind))
    drawn: Mapped[bool] = mapped_column(default=False)  # signature drawn on screen
    path: Mapped[str] = mapped_column(sa.String(200))
    name: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    claim = relationship(Claim, back_populates="attachments")
    uploaded_by = relationship("User")


class FlagKind(TitledEnum):
    REPLACE_PART = "replace_part", _l("Entitled to a replacement main part or system")
    EXCHANGE = "exchange", _l("Entitled to an exchange of the machine")
    REFUND = "refund", _l("Entitled to a refund")


class FlagStatus(TitledEnum):
    OPEN = "open", _l("Open")
    RESOLVED = "resolved", _l("Resolved")


class FlagRule(TitledEnum):
    """Which article of the 2010 规定 raised an entitlement (portal/claims/entitlements.py)."""

    SERIOUS_REPEAT = "serious_repeat", _l(
        "The same serious problem back after two repairs (第二十九条)")
    FIRST_SEASON_REPEAT = "first_season_repeat", _l(
        "The same general problem back after two repairs within 30 days of the first "
        "operating season's start (第二十九条)")
    AFTER_REPLACEMENT = "after_replacement", _l(
        "The same problem back after the main part or system was replaced (第三十条)")
    REPAIR_OVERDUE = "repair_overdue", _l(
        "Not repaired within 30 working days of hand-in (第二十八条)")
    AFTER_EXCHANGE = "after_exchange", _l(
        "The same problem back after the machine was exchanged (第三十条)")
    NO_SAME_MODEL = "no_same_model", _l(
        "An exchange is due but no machine of the same model and specification exists")


class UnitFlag(db.Model):
    """An entitlement (replacement part, exchange, refund) the rules found on a unit; people
    decide what to do with it."""

    __tablename__ = "unit_flags"
    __table_args__ = (sa.Index("ix_unit_flags_open", "resolved_at", "raised_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    kind: Mapped[FlagKind] = mapped_column(enum_column(FlagKind, 30))
    # The article that raised it (None: raised before the rules named theirs).
    rule: Mapped[FlagRule | None] = mapped_column(enum_column(FlagRule, 30))
    part_id: Mapped[int | None] = mapped_column(sa.ForeignKey("parts.id"))
    fault_code_id: Mapped[int | None] = mapped_column(sa.ForeignKey("fault_codes.id"),
                                                      index=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claims.id"))
    detail: Mapped[str] = mapped_column(sa.Text, default="")
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    raised_on: Mapped[date] = mapped_column(default=shanghai_today)  # the business day
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolution: Mapped[str] = mapped_column(sa.Text, default="")
    # An exchange carried out: the machine the buyer got instead (a failure of it again with the
    # same fault entitles him to a refund).
    replacement_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"),
                                                            index=True)

    unit = relationship("Unit", foreign_keys=[unit_id])
    part = relationship("Part")
    fault_code = relationship("FaultCode")
    claim = relationship(Claim)
    resolved_by = relationship("User")
    replacement_unit = relationship("Unit", foreign_keys=[replacement_unit_id])

    @property
    def status(self) -> FlagStatus:
        return FlagStatus.OPEN if self.resolved_at is None else FlagStatus.RESOLVED

    @property
    def audit_label(self) -> str:
        return f"{self.unit.serial} {self.kind.title}"
