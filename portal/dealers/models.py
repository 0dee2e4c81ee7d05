"""The dealer record."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import UTCDateTime, starts_with, utcnow
from portal.core.enums import TitledEnum, enum_column
from portal.core.versioning import VersionedRecord
from portal.extensions import db


class DealerGrade(TitledEnum):
    A = "a", _l("Grade A")
    B = "b", _l("Grade B")
    C = "c", _l("Grade C")
    D = "d", _l("Grade D")


class DealerStatus(TitledEnum):
    ACTIVE = "active", _l("Active")
    SUSPENDED = "suspended", _l("Suspended")


class Dealer(VersionedRecord, db.Model):
    __tablename__ = "dealers"
    # Province first (the list's filter), with the status: the clerk's count of the network by
    # province and status reads this index alone.
    __table_args__ = (sa.Index("ix_dealers_province_status", "province", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), index=True)
    province: Mapped[str] = mapped_column(sa.String(30))
    city: Mapped[str] = mapped_column(sa.String(30))
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    contact_name: Mapped[str] = mapped_column(sa.String(60), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(32), default="")
    service_phone: Mapped[str] = mapped_column(sa.String(32), default="")
    email: Mapped[str] = mapped_column(sa.String(120), default="")
    grade: Mapped[DealerGrade] = mapped_column(enum_column(DealerGrade, 2), index=True)
    status: Mapped[DealerStatus] = mapped_column(
        enum_column(DealerStatus), default=DealerStatus.ACTIVE, index=True
    )
    sales_rep_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", use_alter=True, ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sales_rep = relationship("User", foreign_keys=[sales_rep_id], back_populates="rep_dealers")
    users = relationship("User", foreign_keys="User.dealer_id", back_populates="dealer",
                         order_by="User.username")

    @classmethod
    def matching(cls, q: str):
        """The dealers a search for ``q`` finds: the code starting with it, or the name holding
        it (the lists' dealer search and the typed dealer picker)."""
        return sa.or_(starts_with(cls.code, q.upper()), cls.name.contains(q, autoescape=True))

    @property
    def audit_label(self) -> str:
        return f"{self.code} {self.name}"
