"""What each user may see of stocking plans: those of the dealers they may see."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from portal.core.db import money
from portal.dealers.scope import scope
from portal.extensions import db
from portal.planning.models import PlanStatus, StockingPlan, StockingPlanLine


def visible_plans(user):
    """A SELECT of the plans ``user`` may see (technical and finance read them all)."""
    return scope(sa.select(StockingPlan), StockingPlan.dealer_id, user)


def get_plan(plan_id: int, user, *, lines: bool = True) -> StockingPlan:
    """The plan with its season, dealer and (unless not wanted) lines if ``user`` may see it;
    404 otherwise."""
    loads = [joinedload(StockingPlan.season, innerjoin=True),
             joinedload(StockingPlan.dealer, innerjoin=True)]
    if lines:
        loads.append(selectinload(StockingPlan.lines).selectinload(StockingPlanLine.part))
    return db.first_or_404(visible_plans(user).where(StockingPlan.id == plan_id).options(*loads))


LINES_PAGE = 25  # lines of a plan on one page, as many as the rows of any list


@dataclass
class LinesPage:
    items: list
    number: int  # 1-based
    pages: int
    total: int  # lines in the whole plan
    sections: dict  # section → (lines, amount) over the whole plan


def lines_page(plan: StockingPlan, number: int | None, size: int | None = None) -> LinesPage:
    """One page of the plan's lines in their order (every line when ``number`` is None), and
    each section's count and amount over the whole plan."""
    amount = sa.case((StockingPlan.status == PlanStatus.APPROVED,
                      sa.func.coalesce(StockingPlanLine.approved_qty, StockingPlanLine.quantity)),
                     else_=StockingPlanLine.quantity) * StockingPlanLine.unit_price
    sums = (sa.select(StockingPlanLine.section, sa.func.count(),
                      sa.func.sum(amount, type_=StockingPlanLine.unit_price.type))
            .join(StockingPlan).where(StockingPlanLine.plan_id == plan.id)
            .group_by(StockingPlanLine.section))
    sections = {section: (count, money(total or 0))
                for section, count, total in db.session.execute(sums)}
    total = sum(count for count, _amount in sections.values())
    size = size or LINES_PAGE
    pages = max(1, -(-total // size))
    stmt = (sa.select(StockingPlanLine).where(StockingPlanLine.plan_id == plan.id)
            .options(joinedload(StockingPlanLine.part, innerjoin=True))
            .order_by(StockingPlanLine.position, StockingPlanLine.id))
    if number is None:
        return LinesPage(db.session.scalars(stmt).all(), 1, 1, total, sections)
    number = min(max(number, 1), pages)
    items = db.session.scalars(stmt.offset((number - 1) * size).limit(size)).all()
    return LinesPage(items, number, pages, total, sections)

