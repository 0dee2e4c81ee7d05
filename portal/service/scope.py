"""What each user may see of the service register."""

import sqlalchemy as sa

from portal.dealers.scope import in_scope, scoped
from portal.extensions import db
from portal.service.models import ServiceRequest


def visible_requests(user):
    """A SELECT of the service requests ``user`` may see.

    Head office sees every entry; a dealer those it received or was given; a sales rep those
    of their dealers and those routed to them.
    """
    stmt = sa.select(ServiceRequest)
    if not scoped(user):
        return stmt
    mine = [in_scope(ServiceRequest.dealer_id, user),
            in_scope(ServiceRequest.received_by_dealer_id, user)]
    if not user.role.is_dealer:
        mine.append(ServiceRequest.assigned_user_id == user.id)
    return stmt.where(sa.or_(*mine))


def get_request(request_id: int, user) -> ServiceRequest:
    """The entry if ``user`` may see it; 404 otherwise."""
    return db.first_or_404(visible_requests(user).where(ServiceRequest.id == request_id))
