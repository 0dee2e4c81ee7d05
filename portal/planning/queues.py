"""The stocking plans' work queue (``portal.core.queues``): plans submitted and waiting for
review, the longest waiting first."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.core.db import starts_with
from portal.core.numbering import read_plan_reference
from portal.core.queues import Queue
from portal.dealers.models import Dealer
from portal.extensions import db
from portal.planning.access import can_review_plans
from portal.planning.models import PlanStatus, StockingPlan
from portal.planning.scope import visible_plans
from portal.units.search import dealers_matching

TO_REVIEW = Queue(
    "plans_review", _l("Stocking plans to review"), can_review_plans, visible_plans,
    lambda user, now: (StockingPlan.status == PlanStatus.SUBMITTED,), StockingPlan.submitted_at,
    StockingPlan.id, "planning.review_queue")


def searched_plans(stmt, q: str):
    """``stmt`` (a SELECT of plans) narrowed to what a search for ``q`` finds: its dealer, as
    every work queue finds one (``dealers_matching``), or its reference (``CB007-D0001``: the
    season and the start of the dealer's code), which is made of those two, not stored."""
    if not (q := q.strip()):
        return stmt
    found = StockingPlan.dealer_id.in_(dealers_matching(q))
    if (reference := read_plan_reference(q)) is not None:
        season_id, code = reference
        dealers = sa.select(Dealer.id).where(starts_with(Dealer.code, code))
        found = sa.or_(found, sa.and_(StockingPlan.season_id == season_id,
                                      StockingPlan.dealer_id.in_(dealers)))
    return stmt.where(found)


def listed(stmt):
    """What a row of a plan shows: its dealer and season, in fixed queries."""
    return stmt.options(selectinload(StockingPlan.dealer), selectinload(StockingPlan.season))


def waiting_review(user, now: datetime, limit: int = 20) -> list[StockingPlan]:
    """The first ``limit`` plans waiting for review that ``user`` may see."""
    return list(db.session.scalars(listed(TO_REVIEW.ordered(user, now)).limit(limit)))
