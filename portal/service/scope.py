"""What each user may see of the service register."""

import sqlalchemy as sa
from flask import abort

from portal.accounts.roles import Role
from portal.dealers.scope import dealer_ids_for
from portal.extensions import db
from portal.service.models import ServiceRequest


def visible_requests(user):
    """A SELECT of the service requests ``user`` may see.

    Head office sees every entry; a dealer those it received or was given; a sales rep those
    of their dealers and those routed to them.
    """
    stmt = sa.select(ServiceRequest)
    if user.role.is_dealer:
        return stmt.where(sa.or_(ServiceRequest.dealer_id == user.dealer_id,
                                 ServiceRequest.received_by_dealer_id == user.dealer_id))
    if user.role == Role.SALES_REP:
        dealers = dealer_ids_for(user)
        return stmt.where(sa.or_(ServiceRequest.dealer_id.in_(dealers),
                                 ServiceRequest.received_by_dealer_id.in_(dealers),
                                 ServiceRequest.assigned_user_id == user.id))
    return stmt


def get_request(request_id: int, user) -> ServiceRequest:
    """The entry if ``user`` may see it; 404 otherwise."""
    entry = db.session.scalar(visible_requests(user).where(ServiceRequest.id == request_id))
    if entry is None:
        abort(404)
    return entry
