"""Batch alerts raised by the early-warning check, and the check's runs."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import UTCDateTime, utcnow
from portal.core.enums import TitledEnum, enum_column
from portal.core.versioning import VersionedRecord
from portal.extensions import db


class AlertStatus(TitledEnum):
    OPEN = "open", _l("Open")  # raised; nobody has looked at it yet
    ACKNOWLEDGED = "acknowledged", _l("Acknowledged")  # someone owns it and is acting
    CLOSED = "closed", _l("Closed")  # dealt with (the note says how)


OPEN_ALERT = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


class CloseReason(TitledEnum):
    """Why the check itself closed an alert (a person's close has a note instead)."""

    NO_LONGER_STANDS_OUT = "no_longer_stands_out", _l(
        "The check no longer finds this batch standing out from the other batches at the same "
        "age")


class BatchAlert(VersionedRecord, db.Model):
    """A key part failing significantly more often in one production batch than in the others.

    The figures are those of the check that raised it, refreshed by later checks while the alert
    is not closed (``portal.quality.stats``): failures observed in the batch, failures expected
    at the other batches' rates at the same ages (``bands``: age by age), the p-value of the
    excess; ``checked_run`` is the check that last counted them. An alert nobody has
    acknowledged yet is closed by the check once its batch no longer stands out
    (``close_reason``)."""

    __tablename__ = "batch_alerts"
    __table_args__ = (
        # At most one alert not closed per part and batch.
        sa.Index("uq_batch_alerts_part_batch_open", "part_id", "batch", unique=True,
                 sqlite_where=sa.text("status != 'closed'"),
                 postgresql_where=sa.text("status != 'closed'")),
        sa.Index("ix_batch_alerts_status_raised", "status", "raised_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(sa.ForeignKey("parts.id"), index=True)
    batch: Mapped[str] = mapped_column(sa.String(40))
    status: Mapped[AlertStatus] = mapped_column(enum_column(AlertStatus),
                                                default=AlertStatus.OPEN)
    failures: Mapped[int]
    expected = mapped_column(sa.Numeric(12, 4), nullable=False)
    units: Mapped[int]  # units of the batch sold (in the field) that the part fits
    unit_days: Mapped[int]  # days in service summed over the units, at the ages compared
    # The other batches' failures per unit-day at the batch's ages (expected / unit_days).
    baseline_rate = mapped_column(sa.Numeric(16, 10), nullable=False)
    p_value = mapped_column(sa.Numeric(16, 12), nullable=False)
    # Age band by age band (stats.BandFigures.as_dict): units, unit-days, failures, expected.
    bands: Mapped[list] = mapped_column(sa.JSON, default=list)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("alert_runs.id"))
    checked_run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("alert_runs.id"),
                                                       index=True)
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledge_note: Mapped[str] = mapped_column(sa.Text, default="")
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_note: Mapped[str] = mapped_column(sa.Text, default="")
    close_reason: Mapped[CloseReason | None] = mapped_column(enum_column(CloseReason, 30))

    part = relationship("Part")
    run = relationship("AlertRun", foreign_keys=[run_id])
    checked_run = relationship("AlertRun", foreign_keys=[checked_run_id])
    acknowledged_by = relationship("User", foreign_keys=[acknowledged_by_id])
    closed_by = relationship("User", foreign_keys=[closed_by_id])

    @property
    def audit_label(self) -> str:
        return f"{self.part.part_number} {self.batch}"


class AlertRun(db.Model):
    """One run of the early-warning check, on demand (by a user) or on schedule (no user)."""

    __tablename__ = "alert_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    scheduled: Mapped[bool] = mapped_column(default=False)
    pairs_checked: Mapped[int] = mapped_column(default=0)  # (key part, batch) pairs tested
    alerts_raised: Mapped[int] = mapped_column(default=0)
    alerts_updated: Mapped[int] = mapped_column(default=0)
    alerts_closed: Mapped[int] = mapped_column(default=0)  # by the check: no longer stand out
    # The policy at the run (false alert rate, least failures) and the p-value a pair needed to
    # be flagged (stats.cutoff); empty on the runs before issue 21's method.
    false_alert_rate = mapped_column(sa.Numeric(6, 5))
    min_failures: Mapped[int | None]
    p_cutoff = mapped_column(sa.Numeric(16, 12))

    started_by = relationship("User")


class BatchExposure(db.Model):
    """One (key part, batch) pair's figures at the last check, which replaces them all: an
    alert's page compares its batch with the part's others from these, not by counting every
    unit the part fits again."""

    __tablename__ = "batch_exposures"

    part_id: Mapped[int] = mapped_column(sa.ForeignKey("parts.id"), primary_key=True)
    batch: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    units: Mapped[int]  # units of the batch sold (in the field) that the part fits
    unit_days: Mapped[int]
    failures: Mapped[int]
    expected = mapped_column(sa.Numeric(12, 4), nullable=False)
    p_value = mapped_column(sa.Numeric(16, 12), nullable=False)
