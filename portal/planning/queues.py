"""The stocking plans' work queue (``portal.core.queues``): plans submitted and waiting for
review, the longest waiting first."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.core.queues import Queue
from portal.extensions import db
from portal.planning.access import can_review_plans
from portal.planning.models import PlanStatus, StockingPlan
from portal.planning.scope import visible_plans

TO_REVIEW = Queue(
    "plans_review", _l("Stocking plans to review"), can_review_plans, visible_plans,
    lambda user, now: (StockingPlan.status == PlanStatus.SUBMITTED,), StockingPlan.submitted_at,
    StockingPlan.id, "planning.review_queue")


def listed(stmt):
    """What a row of a plan shows: its dealer and season, in fixed queries."""
    return stmt.options(selectinload(StockingPlan.dealer), selectinload(StockingPlan.season))


def waiting_review(user, now: datetime, limit: int = 20) -> list[StockingPlan]:
    """The first ``limit`` plans waiting for review that ``user`` may see."""
    return list(db.session.scalars(listed(TO_REVIEW.ordered(user, now)).limit(limit)))
