"""Who may do what with delivery notes: head office's clerks ship, the dealer confirms."""

from portal.accounts.roles import DEALER_ROLES, Role
from portal.core.permissions import granted_to
from portal.deliveries.models import DeliveryStatus

can_ship_deliveries = granted_to(Role.CLERK, Role.ADMIN)
can_confirm_deliveries = granted_to(*DEALER_ROLES)
# The rep chases the notes its dealers leave unconfirmed.
can_chase_deliveries = granted_to(Role.SALES_REP)


def can_confirm_receipt_of(note, user) -> bool:
    """Only the dealer's own staff confirm what arrived on its note."""
    return can_confirm_deliveries(user) and user.dealer_id == note.dealer_id


def can_confirm_delivery(note, user) -> bool:
    """The dealer's staff confirm a note still shipped."""
    return can_confirm_receipt_of(note, user) and note.status == DeliveryStatus.SHIPPED
