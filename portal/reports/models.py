"""Weekly reports: the figures of one week as generated, and their PDF."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import UTCDateTime, utcnow
from portal.extensions import db


class WeeklyReport(db.Model):
    """The 日结周报 of one week (Monday to Sunday, Shanghai dates). Generating a week again (on
    demand) replaces its figures and PDF; the scheduled run makes last week's."""

    __tablename__ = "weekly_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    week_start: Mapped[date] = mapped_column(unique=True)  # a Monday
    week_end: Mapped[date]  # the Sunday
    figures: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    generated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # None: cron

    generated_by = relationship("User")

    @property
    def audit_label(self) -> str:
        return f"{self.week_start}–{self.week_end}"
