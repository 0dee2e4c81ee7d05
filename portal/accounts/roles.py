"""The portal's roles and the groups views grant access to."""

from types import SimpleNamespace

from flask_babel import lazy_gettext as _l

from portal.core.enums import TitledEnum
from portal.core.permissions import granted_to, requires


class Role(TitledEnum):
    DEALER_ADMIN = "dealer_admin", _l("Dealer administrator")
    DEALER_STAFF = "dealer_staff", _l("Dealer staff")
    CLERK = "clerk", _l("Sales clerk")
    SALES_REP = "sales_rep", _l("Sales rep")
    TECHNICAL = "technical", _l("Technical department")
    FINANCE = "finance", _l("Finance")
    ADMIN = "admin", _l("Administrator")

    @property
    def is_dealer(self) -> bool:
        return self in DEALER_ROLES

    @property
    def is_rep(self) -> bool:
        """A sales rep: the one role assigned a set of dealers."""
        return self == Role.SALES_REP


ALL_ROLES = tuple(Role)
DEALER_ROLES = (Role.DEALER_ADMIN, Role.DEALER_STAFF)
HEAD_OFFICE_ROLES = (Role.CLERK, Role.SALES_REP, Role.TECHNICAL, Role.FINANCE, Role.ADMIN)

# Whom a figure shared by all of head office is counted for (a snapshot's, a command's): a
# user who sees every dealer.
WHOLE_VIEW = SimpleNamespace(role=Role.ADMIN, id=None, dealer_id=None)

# The route decorator for a page every signed-in user may open (each user has one of the roles;
# what a page then shows them is its domain's scope and predicates).
signed_in = requires(granted_to(*ALL_ROLES))
