"""What each user may see of the service register."""

import sqlalchemy as sa

from portal.accounts.models import User
from portal.core.db import named
from portal.dealers.models import Dealer
from portal.dealers.scope import in_scope, scoped
from portal.extensions import db
from portal.service.models import ServiceRequest
from portal.units.models import Unit


def visible_requests(user):
    """A SELECT of the service requests ``user`` may see.

    Head office sees every entry; a dealer those it received or was given; a sales rep those
    of their dealers and those routed to them.
    """
    ways = _ways_seen(user)
    stmt = sa.select(ServiceRequest)
    return stmt.where(sa.or_(*ways)) if ways else stmt


def visible_request_branches(user) -> list:
    """``visible_requests`` as one SELECT per way an entry is seen (for a dealer: given to it,
    received by it), whose union is the same entries; each is walked in order by an index of
    its own, where their OR is gathered whole and sorted (``union_page``)."""
    return [sa.select(ServiceRequest).where(way) for way in _ways_seen(user)] or [
        sa.select(ServiceRequest)]


def _ways_seen(user) -> list:
    """The conditions of which an entry ``user`` sees meets one; none for head office."""
    if not scoped(user):
        return []
    mine = [in_scope(ServiceRequest.dealer_id, user),
            in_scope(ServiceRequest.received_by_dealer_id, user)]
    if not user.role.is_dealer:
        mine.append(ServiceRequest.assigned_user_id == user.id)
    return mine


def listed(stmt):
    """``stmt`` (a SELECT of entries) as the rows the register shows (``service/_rows.html``):
    plain columns, the unit's serial, the dealer's code and name and the sales rep's name each
    by a subquery per shown row, not whole entries with their units, dealers and users. The
    columns any of its orders sorts by are among them (received, the arrange and check
    deadlines)."""
    r = ServiceRequest
    return stmt.with_only_columns(
        r.id, r.number, r.received_at, r.customer_name, r.urgency, r.status, r.assignee,
        r.received_by_dealer_id, r.arrange_due_at, r.check_due_at,
        named(ServiceRequest, Unit.serial, Unit.id == r.unit_id, "serial"),
        named(ServiceRequest, Dealer.code, Dealer.id == r.dealer_id, "dealer_code"),
        named(ServiceRequest, Dealer.name, Dealer.id == r.dealer_id, "dealer_name"),
        named(ServiceRequest, User.display_name, User.id == r.assigned_user_id, "assignee_name"))


def get_request(request_id: int, user, *loading) -> ServiceRequest:
    """The entry if ``user`` may see it, with the related records ``loading`` names; 404
    otherwise."""
    return db.first_or_404(visible_requests(user).where(ServiceRequest.id == request_id)
                           .options(*loading))
