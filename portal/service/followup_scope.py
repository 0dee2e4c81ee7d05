"""What each user may see of return visits, complaints and entitlement flags.

Dealers see their own dealer's records, a sales rep those of the dealers assigned to them,
head office everything. A dealer sees only finished return visits (the results): an open
task tells it when head office will call its customer, which an independent check must not.
A record outside a user's scope is a 404.
"""

import sqlalchemy as sa

from portal.claims.models import UnitFlag
from portal.dealers.scope import scope, scoped
from portal.extensions import db
from portal.service.models import Complaint, ReturnVisit, VisitStatus
from portal.units.models import Unit


def visible_visits(user):
    """A SELECT of the return visits ``user`` may see."""
    stmt = scope(sa.select(ReturnVisit), ReturnVisit.dealer_id, user)
    if user.role.is_dealer:
        stmt = stmt.where(ReturnVisit.status == VisitStatus.DONE)
    return stmt


def visible_complaints(user):
    """A SELECT of the complaints ``user`` may see (none without a dealer for dealers/reps)."""
    return scope(sa.select(Complaint), Complaint.dealer_id, user)


def visible_flags(user):
    """A SELECT of the entitlement flags ``user`` may see, by the dealer of the unit."""
    stmt = sa.select(UnitFlag)
    if scoped(user):
        stmt = stmt.where(UnitFlag.unit_id.in_(scope(sa.select(Unit.id), Unit.dealer_id, user)))
    return stmt


def get_visit(visit_id: int, user) -> ReturnVisit:
    return db.first_or_404(visible_visits(user).where(ReturnVisit.id == visit_id))


def get_complaint(complaint_id: int, user) -> Complaint:
    return db.first_or_404(visible_complaints(user).where(Complaint.id == complaint_id))


def get_flag(flag_id: int, user) -> UnitFlag:
    return db.first_or_404(visible_flags(user).where(UnitFlag.id == flag_id))
