"""What each user may see of units: those shipped to the dealers they may see."""

import sqlalchemy as sa

from portal.dealers.scope import scope
from portal.extensions import db
from portal.units.models import Unit


def visible_units(user):
    """A SELECT of the units ``user`` may see."""
    return scope(sa.select(Unit), Unit.dealer_id, user)


def get_unit(unit_id: int, user, *loading) -> Unit:
    """The unit if ``user`` may see it, with the related records ``loading`` names; 404
    otherwise."""
    return db.first_or_404(visible_units(user).where(Unit.id == unit_id).options(*loading))
