"""What each user may see of units: those shipped to the dealers they may see."""

import sqlalchemy as sa
from flask import abort

from portal.accounts.roles import Role
from portal.dealers.scope import dealer_ids_for
from portal.extensions import db
from portal.units.models import Unit


def visible_units(user):
    """A SELECT of the units ``user`` may see."""
    stmt = sa.select(Unit)
    if user.role.is_dealer or user.role == Role.SALES_REP:
        stmt = stmt.where(Unit.dealer_id.in_(dealer_ids_for(user)))
    return stmt


def get_unit(unit_id: int, user) -> Unit:
    """The unit if ``user`` may see it; 404 otherwise."""
    unit = db.session.scalar(visible_units(user).where(Unit.id == unit_id))
    if unit is None:
        abort(404)
    return unit
