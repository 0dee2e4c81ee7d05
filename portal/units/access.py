"""Who may do what with units and their warranty cards."""

from portal.accounts.roles import DEALER_ROLES, Role
from portal.core.permissions import granted_to
from portal.units.cards import CardStatus

can_import_units = granted_to(Role.ADMIN, Role.CLERK)
# The ERP's integration (an administrator's API token) records shipped units one by one.
can_sync_units = granted_to(Role.ADMIN)
# The dealer records its sales and files the cards; a clerk digitises paper ones.
can_keep_cards = granted_to(*DEALER_ROLES, Role.CLERK, Role.ADMIN)
# Dealers file today; only a clerk digitising paper may give the date the card arrived.
can_backdate_cards = granted_to(Role.CLERK, Role.ADMIN)
# The administrator enters a year's official holidays from the State Council's notice.
can_enter_holidays = granted_to(Role.ADMIN)
# The technical department recognises a card filed after the deadline.
can_grant_card_exceptions = granted_to(Role.TECHNICAL)


def can_grant_card_exception(card, user) -> bool:
    """A late filed card without an exception yet can be recognised by the technical dept."""
    return (can_grant_card_exceptions(user) and card is not None
            and card.status == CardStatus.FILED and card.is_late and not card.exception_at)


def can_open_unit(unit, user) -> bool:
    """A dealer's users open only their own dealer's units; a link to another's would 404."""
    return not user.role.is_dealer or unit.dealer_id == user.dealer_id
