"""Finance: the cost audit of claims, 三包费用核销通知 (write-off notices), the background runs that
generate them, and each dealer's receivable ledger the confirmed notices are offset against."""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from portal.accounts.models import CreatedBy
from portal.core.db import Money, UTCDateTime, utcnow
from portal.core.enums import TitledEnum, enum_column
from portal.core.versioning import VersionedRecord
from portal.extensions import db


class NoticeStatus(TitledEnum):
    ISSUED = "issued", _l("Awaiting dealer")  # waiting for the dealer
    # the dealer confirmed it; offset posted; it can no longer change
    CONFIRMED = "confirmed", _l("Confirmed")
    DISPUTED = "disputed", _l("Disputed")  # the dealer disputed it; finance voids and reissues
    VOIDED = "voided", _l("Voided")  # finance voided it; its claims were released


class WriteOffNotice(VersionedRecord, db.Model):
    """三包费用核销通知: the finance-approved claims of one dealer for one period, offset against
    the dealer's receivable once the dealer confirms. Maker and dealer details are copied in at
    issue, so a confirmed notice reads the same for ever."""

    __tablename__ = "write_off_notices"
    __table_args__ = (
        sa.UniqueConstraint("year", "seq", name="uq_write_off_notices_year_seq"),
        sa.Index("ix_write_off_notices_dealer_status", "dealer_id", "status", "id"),
        sa.Index("ix_write_off_notices_status_issued", "status", "issued_at"),
        sa.Index("ix_write_off_notices_period", "period_start", "dealer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)  # HX-2026-0001
    year: Mapped[int] = mapped_column()
    seq: Mapped[int] = mapped_column()
    dealer_id: Mapped[int] = mapped_column(sa.ForeignKey("dealers.id"))
    period_start: Mapped[date] = mapped_column(sa.Date)
    period_end: Mapped[date] = mapped_column(sa.Date)  # inclusive
    status: Mapped[NoticeStatus] = mapped_column(enum_column(NoticeStatus),
                                                 default=NoticeStatus.ISSUED)
    maker: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # name, address, phone, tax_no
    dealer_details: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # code, name, address…
    parts = mapped_column(Money, nullable=False, default=0)
    labour = mapped_column(Money, nullable=False, default=0)
    travel = mapped_column(Money, nullable=False, default=0)
    other = mapped_column(Money, nullable=False, default=0)
    # 包换包退: the approved settlements of exchange and refund cases (signed, may be negative)
    exchange_refund = mapped_column(Money, nullable=False, default=0, server_default="0")
    total = mapped_column(Money, nullable=False, default=0)
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("notice_runs.id"))
    replaces_id: Mapped[int | None] = mapped_column(sa.ForeignKey("write_off_notices.id"))
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disputed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    disputed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispute_reason: Mapped[str] = mapped_column(sa.Text, default="")
    voided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    void_reason: Mapped[str] = mapped_column(sa.Text, default="")

    dealer = relationship("Dealer")
    claims = relationship("NoticeClaim", back_populates="notice", cascade="all, delete-orphan",
                          order_by="NoticeClaim.position")
    cases = relationship("NoticeCase", back_populates="notice", cascade="all, delete-orphan",
                         order_by="NoticeCase.position")
    document = relationship("NoticeDocument", uselist=False, back_populates="notice",
                            cascade="all, delete-orphan")
    replaces = relationship("WriteOffNotice", remote_side=[id])
    issued_by = relationship("User", foreign_keys=[issued_by_id])
    confirmed_by = relationship("User", foreign_keys=[confirmed_by_id])
    disputed_by = relationship("User", foreign_keys=[disputed_by_id])
    voided_by = relationship("User", foreign_keys=[voided_by_id])

    @property
    def audit_label(self) -> str:
        return self.number


class NoticeClaim(db.Model):
    """A claim a notice holds, with its amounts by cost type as the notice states them. Kept
    after a notice is voided, as history; the claim's own ``notice_id`` says where it is now."""

    __tablename__ = "notice_claims"
    __table_args__ = (  # the notice page's claims, a page at a time in the notice's order
        sa.Index("ix_notice_claims_notice_position", "notice_id", "position", "claim_id"),)

    notice_id: Mapped[int] = mapped_column(
        sa.ForeignKey("write_off_notices.id", ondelete="CASCADE"), primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claims.id"), primary_key=True,
                                          index=True)
    position: Mapped[int] = mapped_column()
    parts = mapped_column(Money, nullable=False, default=0)
    labour = mapped_column(Money, nullable=False, default=0)
    travel = mapped_column(Money, nullable=False, default=0)
    other = mapped_column(Money, nullable=False, default=0)
    total = mapped_column(Money, nullable=False, default=0)

    notice = relationship(WriteOffNotice, back_populates="claims")
    claim = relationship("Claim")

    # The sheet's row (templates/finance/_notice_claim_row.html) under the names the notice
    # page reads as plain columns (``portal.finance.notices.claim_rows``); the PDF reads them
    # here, from the record and its claim.
    @property
    def number(self) -> str:
        return self.claim.number

    @property
    def claim_notice_id(self) -> int | None:
        return self.claim.notice_id

    @property
    def serial(self) -> str:
        return self.claim.unit.serial

    @property
    def model_code(self) -> str:
        return self.claim.unit.model.code

    @property
    def repair_date(self):
        return self.claim.completed_on or self.claim.failure_date


class SettlementStatus(TitledEnum):
    APPROVED = "approved", _l("Approved by finance")  # waits for (or is on) a notice
    REFUSED = "refused", _l("Refused by finance")  # the maker pays nothing on it
    WRITTEN_OFF = "written_off", _l("Written off")  # its notice was confirmed


class CaseSettlement(VersionedRecord, db.Model):
    """Finance's decision on the money of a completed exchange or refund case, with the figures
    it approved (``portal.cases.settlement.settlement_of`` at that moment) kept as they were:
    a later price or discount-standard change does not alter it. A table of finance's own,
    one row per case, so the case's record stays the dealer's, the clerk's and the technical
    department's, and ``notice_id`` works like a claim's (in one notice at a time)."""

    __tablename__ = "case_settlements"
    __table_args__ = (
        sa.Index("ix_case_settlements_eligible", "dealer_id", "status", "settled_on"),
    )

    case_id: Mapped[int] = mapped_column(sa.ForeignKey("sanbao_cases.id"), primary_key=True)
    dealer_id: Mapped[int] = mapped_column(sa.ForeignKey("dealers.id"))
    status: Mapped[SettlementStatus] = mapped_column(enum_column(SettlementStatus))
    amount = mapped_column(Money, nullable=False)  # + the maker owes the dealer
    lines: Mapped[list] = mapped_column(sa.JSON, default=list)  # key, label, arithmetic, amount
    months_in_use: Mapped[int | None] = mapped_column()
    rate = mapped_column(sa.Numeric(5, 2))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    settled_on: Mapped[date] = mapped_column(sa.Date)  # Shanghai day: the notice period's test
    notice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("write_off_notices.id"),
                                                  index=True)

    # ``case.settlement`` reads it from the case page without the case model naming finance.
    case = relationship("SanbaoCase", backref=backref("settlement", uselist=False))
    dealer = relationship("Dealer")
    decided_by = relationship("User")
    notice = relationship(WriteOffNotice)


class NoticeCase(db.Model):
    """A case settlement a notice holds, with its amount as the notice states it. Kept after a
    notice is voided, as history; the settlement's own ``notice_id`` says where it is now."""

    __tablename__ = "notice_cases"

    notice_id: Mapped[int] = mapped_column(
        sa.ForeignKey("write_off_notices.id", ondelete="CASCADE"), primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("sanbao_cases.id"), primary_key=True,
                                         index=True)
    position: Mapped[int] = mapped_column()
    amount = mapped_column(Money, nullable=False)

    notice = relationship(WriteOffNotice, back_populates="cases")
    case = relationship("SanbaoCase")


class NoticeDocument(db.Model):
    """The notice's PDF, rendered once when it is issued, so what the dealer confirms is exactly
    what was sent."""

    __tablename__ = "notice_documents"

    notice_id: Mapped[int] = mapped_column(
        sa.ForeignKey("write_off_notices.id", ondelete="CASCADE"), primary_key=True)
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary)
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    notice = relationship(WriteOffNotice, back_populates="document")


class RunStatus(TitledEnum):
    RUNNING = "running", _l("Running")
    DONE = "done", _l("Done")
    CANCELLED = "cancelled", _l("Cancelled")
    FAILED = "failed", _l("Failed")


class NoticeRun(db.Model):
    """One background generation of a period's notices for all dealers, with its progress."""

    __tablename__ = "notice_runs"
    __table_args__ = (sa.Index("ix_notice_runs_status_started", "status", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_start: Mapped[date] = mapped_column(sa.Date)
    period_end: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[RunStatus] = mapped_column(enum_column(RunStatus), default=RunStatus.RUNNING)
    dealers_total: Mapped[int] = mapped_column(default=0)
    dealers_done: Mapped[int] = mapped_column(default=0)
    notices_made: Mapped[int] = mapped_column(default=0)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    started_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who executes it (a random id per execution): one at a time (``runs.execute_run``).
    executor: Mapped[str | None] = mapped_column(sa.String(32))

    started_by = relationship("User")


class LedgerKind(TitledEnum):
    OPENING = "opening", _l("Opening balance")
    INVOICE = "invoice", _l("Goods invoice")
    PAYMENT = "payment", _l("Payment")
    OFFSET = "offset", _l("Warranty offset")
    # restoration labour on a dismantled unit returned from stock
    CHARGE = "charge", _l("Restoration charge")


class LedgerEntry(CreatedBy, db.Model):
    """One movement of what a dealer owes the maker (应收经销商货款). ``amount`` is signed: an
    invoice (or a debit opening balance) raises the receivable, a payment or an offset lowers it.
    Entries from the ERP are unique by dealer, kind and the ERP's reference, so an import can be
    run again safely; an offset names the notice it comes from."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        sa.UniqueConstraint("dealer_id", "kind", "reference",
                            name="uq_ledger_entries_dealer_kind_reference"),
        # ends with the amount: a balance (a sum up to a date) reads this index alone
        sa.Index("ix_ledger_entries_dealer_date_amount", "dealer_id", "entry_date", "id",
                 "amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dealer_id: Mapped[int] = mapped_column(sa.ForeignKey("dealers.id"))
    kind: Mapped[LedgerKind] = mapped_column(enum_column(LedgerKind))
    entry_date: Mapped[date] = mapped_column(sa.Date)
    reference: Mapped[str] = mapped_column(sa.String(40))  # ERP document number / notice number
    memo: Mapped[str] = mapped_column(sa.String(200), default="")
    amount = mapped_column(Money, nullable=False)
    notice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("write_off_notices.id"),
                                                  unique=True)
    source: Mapped[str] = mapped_column(
        sa.String(10), default="excel")  # excel | api | notice | stock

    dealer = relationship("Dealer")
    notice = relationship(WriteOffNotice)

    @property
    def audit_label(self) -> str:
        return f"{self.kind.title} {self.reference}"


class _CostTotalColumns:
    """Finance-accepted cost of the counted claims (approved or written off) of one audit month,
    by cost type, kept in step by ``portal.finance.cost_totals`` in the audit's transaction."""

    month: Mapped[date] = mapped_column(primary_key=True)  # the first day of the audit month
    part: Mapped[Decimal] = mapped_column(Money, default=0)
    labour: Mapped[Decimal] = mapped_column(Money, default=0)
    travel: Mapped[Decimal] = mapped_column(Money, default=0)
    other: Mapped[Decimal] = mapped_column(Money, default=0)
    claims: Mapped[int] = mapped_column(default=0)


class DealerModelCost(_CostTotalColumns, db.Model):
    """The warranty cost report's totals per audit month, dealer and product model."""

    __tablename__ = "dealer_model_costs"
    __table_args__ = (sa.Index("ix_dealer_model_costs_dealer", "dealer_id", "month"),
                      sa.Index("ix_dealer_model_costs_model", "model_id", "month"))

    dealer_id: Mapped[int] = mapped_column(sa.ForeignKey("dealers.id"), primary_key=True)
    model_id: Mapped[int] = mapped_column(sa.ForeignKey("product_models.id"), primary_key=True)


class DealerCost(_CostTotalColumns, db.Model):
    """The same totals per audit month and dealer, all models together (a tenth the rows)."""

    __tablename__ = "dealer_costs"
    __table_args__ = (sa.Index("ix_dealer_costs_dealer", "dealer_id", "month"),)

    dealer_id: Mapped[int] = mapped_column(sa.ForeignKey("dealers.id"), primary_key=True)


class MonthCost(_CostTotalColumns, db.Model):
    """The same totals per audit month, all dealers and models together: head office's report
    by month reads a row a month instead of one per dealer and month."""

    __tablename__ = "month_costs"
