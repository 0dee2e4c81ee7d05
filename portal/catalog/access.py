"""Who may do what with the catalogue and the policy: everyone signed in reads them, the
administrator changes them."""

from portal.accounts.roles import Role
from portal.core.permissions import granted_to

# Models, parts, fault codes, rates, bands, policy settings, seasons and the legal table.
can_edit_catalog = granted_to(Role.ADMIN)
