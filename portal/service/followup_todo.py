"""What waits for the clerk after repairs: calls due, open complaints, open entitlements."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from portal.claims.models import UnitFlag
from portal.extensions import db
from portal.service.models import Complaint, ComplaintStatus, ReturnVisit, VisitStatus


@dataclass
class Pile:
    count: int
    oldest: object  # the oldest due date / receipt / raise time, or None


def _pile(column, *where) -> Pile:
    count, oldest = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(column)).where(*where)).one()
    return Pile(count, oldest)


def clerk_todo(today: date) -> dict[str, Pile]:
    """Three counts with their oldest item, one aggregate query each."""
    return {
        "visits": _pile(ReturnVisit.due_on, ReturnVisit.status == VisitStatus.OPEN,
                        ReturnVisit.due_on <= today),
        "complaints": _pile(Complaint.received_at, Complaint.status.in_(
            [ComplaintStatus.OPEN, ComplaintStatus.ESCALATED])),
        "flags": _pile(UnitFlag.raised_at, UnitFlag.resolved_at.is_(None)),
    }
