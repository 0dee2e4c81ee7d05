"""What each user may see of exchange and refund cases: those of the dealers they may see."""

import sqlalchemy as sa

from portal.cases.access import can_open_case
from portal.cases.models import SanbaoCase
from portal.dealers.scope import scope
from portal.extensions import db


def visible_cases(user):
    """A SELECT of the cases ``user`` may see."""
    return scope(sa.select(SanbaoCase), SanbaoCase.dealer_id, user)


def get_case(case_id: int, user) -> SanbaoCase:
    """The case if ``user`` may see it; 404 otherwise (never reveal that it exists)."""
    return db.first_or_404(visible_cases(user).where(SanbaoCase.id == case_id))


def unit_cases(unit, user) -> dict:
    """What the unit page shows of cases: the unit's cases, and whether ``user`` may open
    one."""
    return {"cases": cases_of_unit(unit.id, user), "case_opener": can_open_case(unit, user)}


def cases_of_unit(unit_id: int, user) -> list[SanbaoCase]:
    """The cases about a unit (as the failed machine or as the replacement), newest first."""
    return db.session.scalars(visible_cases(user).where(sa.or_(
        SanbaoCase.unit_id == unit_id, SanbaoCase.replacement_unit_id == unit_id))
        .order_by(SanbaoCase.id.desc())).all()
