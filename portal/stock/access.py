"""Who may do what with stock returns: the dealer asks (and may withdraw), head office's clerks
decide and receive."""

from portal.accounts.roles import DEALER_ROLES, Role
from portal.core.permissions import granted_to

can_request_stock_returns = granted_to(*DEALER_ROLES)
can_decide_stock_returns = granted_to(Role.CLERK, Role.ADMIN)  # approve, refuse, receive


def can_request_return(unit, user) -> bool:
    """A dealer's user may ask to return this unit now: unsold stock of its own dealer."""
    # Imported here: the services ask this module before they change anything.
    from portal.stock.services import stock_problem

    return can_request_stock_returns(user) and stock_problem(unit, user.dealer_id) is None


def can_decide_stock_return(ret, user) -> bool:
    """Head office approves, refuses and receives any dealer's return."""
    return can_decide_stock_returns(user)


def can_cancel_stock_return(ret, user) -> bool:
    """Only the dealer's own staff withdraw its request."""
    return can_request_stock_returns(user) and user.dealer_id == ret.dealer_id
