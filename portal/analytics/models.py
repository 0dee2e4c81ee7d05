"""Grade reviews: the sales branch's recorded recommendation for a dealer after its scorecard."""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import CreatedBy
from portal.core.db import UTCDateTime
from portal.core.enums import TitledEnum, enum_column
from portal.dealers.models import DealerGrade
from portal.extensions import db


class Recommendation(TitledEnum):
    REWARD = "reward", _l("Reward")
    KEEP = "keep", _l("Keep the grade")
    DOWNGRADE = "downgrade", _l("Downgrade")


class GradeReview(CreatedBy, db.Model):
    """A recommendation recorded against the dealer's scorecard for a period (months)."""

    __tablename__ = "grade_reviews"
    __table_args__ = (sa.Index("ix_grade_reviews_dealer_created", "dealer_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dealer_id: Mapped[int] = mapped_column(sa.ForeignKey("dealers.id"))
    period_start: Mapped[date]
    period_end: Mapped[date]
    recommendation: Mapped[Recommendation] = mapped_column(enum_column(Recommendation))
    grade_before: Mapped[DealerGrade] = mapped_column(enum_column(DealerGrade, 2))
    grade_proposed: Mapped[DealerGrade] = mapped_column(enum_column(DealerGrade, 2))
    score = mapped_column(sa.Numeric(5, 1))  # the scorecard's overall score then
    figures: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # the scorecard as reviewed
    note: Mapped[str] = mapped_column(sa.Text, default="")

    dealer = relationship("Dealer")

    @property
    def audit_label(self) -> str:
        return f"{self.dealer.code} {self.period_start}–{self.period_end}"


class AnalyticsSnapshot(db.Model):
    """A page's figures computed over all the data at ``as_of``, served until refreshed
    (``flask analytics refresh`` from cron, the only writer: ``portal.analytics.snapshots``)."""

    __tablename__ = "analytics_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40), unique=True)  # e.g. failures, scorecards:3
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)


class ScorecardSnapshot(db.Model):
    """One dealer's scorecard in a snapshot of every dealer's (``months`` back from the
    snapshot's day), so a page reads only the dealers it shows."""

    __tablename__ = "scorecard_snapshots"
    __table_args__ = (sa.UniqueConstraint("months", "dealer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    months: Mapped[int]
    dealer_id: Mapped[int] = mapped_column(sa.ForeignKey("dealers.id"), index=True)
    rank: Mapped[int | None]
    figures: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    trend: Mapped[list] = mapped_column(sa.JSON, default=list)  # Figures per month, oldest first
    # The trend's scores (text, None for a month with nothing to score): the ranked table's
    # sparklines. None in a snapshot made before they were kept.
    scores: Mapped[list | None] = mapped_column(sa.JSON)

    dealer = relationship("Dealer")
