"""The 产品售后服务登记表 (service register), return visits (回访) and complaints (投诉)."""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal.core.db import UTCDateTime, utcnow
from portal.core.enums import TitledEnum, enum_column
from portal.core.versioning import VersionedRecord
from portal.extensions import db


def digits_only(text: str | None) -> str:
    """The digits of a phone number however it was written: "+86 138-1234" → "861381234"."""
    return "".join(c for c in text or "" if c.isascii() and c.isdigit())


class Channel(TitledEnum):
    PHONE = "phone", _l("Phone call")
    LETTER = "letter", _l("Letter")
    VISIT = "visit", _l("Visit")
    ONLINE = "online", _l("Online message")


class Urgency(TitledEnum):
    NORMAL = "normal", _l("Normal")
    URGENT = "urgent", _l("Urgent (machine stopped)")


class Assignee(TitledEnum):
    DEALER = "dealer", _l("Dealer")
    SALES_REP = "sales_rep", _l("Sales rep")
    TECHNICAL = "technical", _l("Technical department")


class RequestStatus(TitledEnum):
    NEW = "new", _l("Not routed")  # registered by head office, not routed yet
    ROUTED = "routed", _l("Routed, to arrange")  # waiting for the assignee to arrange it
    ARRANGED = "arranged", _l("Arranged, to check")  # arranged, waiting for the clerk's check
    CHECKED = "checked", _l("Checked")  # the clerk confirmed the arrangement
    CLOSED = "closed", _l("Closed")


# Every status with work waiting (a deadline running, ``portal/service/deadlines.py``); the
# indexes of open work hold these entries alone (a literal list in SQL: the index's WHERE).
OPEN_WORK = (RequestStatus.NEW, RequestStatus.ROUTED, RequestStatus.ARRANGED)
OPEN_WORK_SQL = "status IN ({})".format(", ".join(f"'{s.value}'" for s in OPEN_WORK))


class ServiceRequest(VersionedRecord, db.Model):
    """One call, letter or visit about a product, and what came of it.

    The arrange deadline runs from when the task reaches its assignee (routing, re-routing; a
    dealer's own request from receipt, head office's from receipt until routed); the check
    deadline from routing. A dealer's own requests are routed to itself when registered.
    """

    __tablename__ = "service_requests"
    __table_args__ = (
        sa.Index("ix_service_requests_status_arrange", "status", "arrange_due_at"),
        sa.Index("ix_service_requests_status_check", "status", "check_due_at"),
        sa.Index("ix_service_requests_dealer_received", "dealer_id", "received_at"),
        # Dealer scoping: what a dealer received directly stays its own after re-routing.
        sa.Index("ix_service_requests_received_by_dealer", "received_by_dealer_id", "received_at"),
        # A dealer's open work (its home page's counts, the overdue filter): the few entries
        # with a deadline running, not the thousands it ever had.
        sa.Index("ix_service_requests_open_dealer", "dealer_id", "status",
                 sqlite_where=sa.text(OPEN_WORK_SQL), postgresql_where=sa.text(OPEN_WORK_SQL)),
        sa.Index("ix_service_requests_open_received_by", "received_by_dealer_id", "status",
                 sqlite_where=sa.text(OPEN_WORK_SQL), postgresql_where=sa.text(OPEN_WORK_SQL)),
        # Search: the start of a name or of a phone number's digits, answered by an index.
        sa.Index("ix_service_requests_customer_name", "customer_name"),
        sa.Index("ix_service_requests_phone_digits", "phone_digits"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    customer_name: Mapped[str] = mapped_column(sa.String(60))
    customer_phone: Mapped[str] = mapped_column(sa.String(32), default="")
    # The phone number's digits alone ("138-1234 5678" → "13812345678"), kept by set_phone.
    phone_digits: Mapped[str] = mapped_column(sa.String(32), default="", server_default="")
    location: Mapped[str] = mapped_column(sa.String(200), default="")
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    description: Mapped[str] = mapped_column(sa.Text)
    urgency: Mapped[Urgency] = mapped_column(enum_column(Urgency), default=Urgency.NORMAL)
    status: Mapped[RequestStatus] = mapped_column(enum_column(RequestStatus),
                                                  default=RequestStatus.NEW)
    # Who received it directly: a dealer (its own request) or head office (None).
    received_by_dealer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("dealers.id"))
    registered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Routing: to a dealer (dealer_id), a sales rep (assigned_user_id) or the technical dept.
    assignee: Mapped[Assignee | None] = mapped_column(enum_column(Assignee))
    dealer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("dealers.id"))
    assigned_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    routed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    arrange_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    check_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The arrangement: what will be done, when, who goes, whether the customer was told.
    arranged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    arranged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    plan: Mapped[str] = mapped_column(sa.Text, default="")
    planned_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    who_goes: Mapped[str] = mapped_column(sa.String(120), default="")
    customer_told: Mapped[bool] = mapped_column(default=False)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    check_note: Mapped[str] = mapped_column(sa.Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    outcome: Mapped[str] = mapped_column(sa.Text, default="")

    unit = relationship("Unit")
    dealer = relationship("Dealer", foreign_keys=[dealer_id])
    received_by_dealer = relationship("Dealer", foreign_keys=[received_by_dealer_id])
    assigned_user = relationship("User", foreign_keys=[assigned_user_id])
    registered_by = relationship("User", foreign_keys=[registered_by_id])
    arranged_by = relationship("User", foreign_keys=[arranged_by_id])
    checked_by = relationship("User", foreign_keys=[checked_by_id])
    claims = relationship("Claim", back_populates="service_request", order_by="Claim.id")

    @property
    def audit_label(self) -> str:
        return f"{self.number} {self.customer_name}"

    @validates("customer_phone")
    def set_phone(self, _key, value):
        """Keep the digits beside the phone number as written, for searching by number."""
        self.phone_digits = digits_only(value)
        return value


class VisitStatus(TitledEnum):
    OPEN = "open", _l("To call")
    DONE = "done", _l("Called")


class ReturnVisit(VersionedRecord, db.Model):
    """The call back to the customer after a warranty repair (回访)."""

    __tablename__ = "return_visits"
    __table_args__ = (sa.Index("ix_return_visits_status_due", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claims.id"), unique=True)
    dealer_id: Mapped[int] = mapped_column(sa.ForeignKey("dealers.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    status: Mapped[VisitStatus] = mapped_column(enum_column(VisitStatus),
                                                default=VisitStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_on: Mapped[date]
    reached: Mapped[bool | None]
    satisfaction: Mapped[int | None]  # 1–5 when reached
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    # Calls tried so far; the task closes when the customer is reached or after the last try.
    attempts: Mapped[int] = mapped_column(default=0)
    called_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    claim = relationship("Claim", back_populates="return_visit")
    dealer = relationship("Dealer")
    unit = relationship("Unit")
    called_by = relationship("User")

    @property
    def audit_label(self) -> str:
        return self.claim.number if self.claim else str(self.id)


class ComplaintStatus(TitledEnum):
    OPEN = "open", _l("Open")
    ESCALATED = "escalated", _l("Escalated")
    RESOLVED = "resolved", _l("Resolved")
    ARCHIVED = "archived", _l("Archived")


OPEN_COMPLAINT = (ComplaintStatus.OPEN, ComplaintStatus.ESCALATED)  # still to be dealt with


class Complaint(VersionedRecord, db.Model):
    """A customer complaint (投诉): recorded, escalated, resolved, archived."""

    __tablename__ = "complaints"
    __table_args__ = (sa.Index("ix_complaints_status_received", "status", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    customer_name: Mapped[str] = mapped_column(sa.String(60))
    customer_phone: Mapped[str] = mapped_column(sa.String(32), default="")
    dealer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("dealers.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(sa.ForeignKey("claims.id"), index=True)
    description: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[ComplaintStatus] = mapped_column(enum_column(ComplaintStatus),
                                                    default=ComplaintStatus.OPEN)
    escalation_note: Mapped[str] = mapped_column(sa.Text, default="")
    resolution: Mapped[str] = mapped_column(sa.Text, default="")
    registered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    dealer = relationship("Dealer")
    unit = relationship("Unit")
    claim = relationship("Claim")
    registered_by = relationship("User")

    @property
    def audit_label(self) -> str:
        return f"{self.number} {self.customer_name}"


class _VisitTallyColumns:
    """The return-visit figures of the repairs completed on one day (``visit_stats`` counts
    claims neither draft nor rejected), kept in step by the services that change a claim's
    status or its visit's outcome, in their transaction (``portal.service.visit_tallies``)."""

    day: Mapped[date] = mapped_column(primary_key=True)  # the claim's completed_on
    repairs: Mapped[int] = mapped_column(default=0)
    reached: Mapped[int] = mapped_column(default=0)
    not_reached: Mapped[int] = mapped_column(default=0)
    rated: Mapped[int] = mapped_column(default=0)
    satisfaction_sum: Mapped[int] = mapped_column(default=0)
    satisfied: Mapped[int] = mapped_column(default=0)


class VisitTally(_VisitTallyColumns, db.Model):
    """The figures per day and dealer (a sales rep's dealers, one dealer)."""

    __tablename__ = "visit_tallies"
    __table_args__ = (sa.Index("ix_visit_tallies_dealer", "dealer_id", "day"),)

    dealer_id: Mapped[int] = mapped_column(sa.ForeignKey("dealers.id"), primary_key=True)


class VisitDayTally(_VisitTallyColumns, db.Model):
    """The figures per day, all dealers together (head office's rate: a thousandth the rows)."""

    __tablename__ = "visit_day_tallies"
