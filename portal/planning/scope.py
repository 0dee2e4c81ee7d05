"""What each user may see of stocking plans: those of the dealers they may see."""

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from portal.accounts.roles import Role
from portal.dealers.scope import dealer_ids_for
from portal.extensions import db
from portal.planning.models import StockingPlan, StockingPlanLine

# Who reviews a plan: the dealer's own sales rep, a clerk or the administrator.
REVIEW_ROLES = (Role.SALES_REP, Role.CLERK, Role.ADMIN)


def visible_plans(user):
    """A SELECT of the plans ``user`` may see (technical and finance read them all)."""
    stmt = sa.select(StockingPlan)
    if user.role.is_dealer or user.role == Role.SALES_REP:
        stmt = stmt.where(StockingPlan.dealer_id.in_(dealer_ids_for(user)))
    return stmt


def get_plan(plan_id: int, user) -> StockingPlan:
    """The plan with its season, dealer and lines if ``user`` may see it; 404 otherwise."""
    plan = db.session.scalar(
        visible_plans(user).where(StockingPlan.id == plan_id)
        .options(selectinload(StockingPlan.season), selectinload(StockingPlan.dealer),
                 selectinload(StockingPlan.lines).selectinload(StockingPlanLine.part)))
    if plan is None:
        abort(404)
    return plan


def may_plan(plan: StockingPlan, user) -> bool:
    """The dealer's own users draft, save and submit its plan."""
    return user.role.is_dealer and user.dealer_id == plan.dealer_id


def may_review(plan: StockingPlan, user) -> bool:
    """The dealer's own rep, a clerk or the administrator approve or send back its plan."""
    if user.role == Role.SALES_REP:
        return plan.dealer.sales_rep_id == user.id
    return user.role in (Role.CLERK, Role.ADMIN)
