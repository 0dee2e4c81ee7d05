"""Who opens which home page: each role lands on its own, and only its own role's opens.

``LANDING`` is the one table; each page's predicate is read from it, so the redirect after
sign-in and the page's route cannot disagree.
"""

from portal.accounts.roles import Role
from portal.core.permissions import granted_to

LANDING = {
    Role.DEALER_ADMIN: "home.dealer", Role.DEALER_STAFF: "home.dealer",
    Role.SALES_REP: "home.rep", Role.CLERK: "home.clerk", Role.TECHNICAL: "home.technical",
    Role.FINANCE: "home.finance", Role.ADMIN: "home.admin",
}


def _landing_on(endpoint: str):
    return granted_to(*(role for role, page in LANDING.items() if page == endpoint))


can_open_dealer_home = _landing_on("home.dealer")
can_open_rep_home = _landing_on("home.rep")
can_open_clerk_home = _landing_on("home.clerk")
can_open_technical_home = _landing_on("home.technical")
can_open_finance_home = _landing_on("home.finance")
can_open_admin_home = _landing_on("home.admin")
