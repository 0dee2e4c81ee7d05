"""Who may do what with the head-office dashboard and the weekly reports."""

from portal.accounts.roles import HEAD_OFFICE_ROLES, Role
from portal.core.permissions import granted_to

# The dashboard and the weekly reports are head office's; a dealer's users get 404.
can_read_reports = granted_to(*HEAD_OFFICE_ROLES)
can_generate_reports = granted_to(Role.TECHNICAL, Role.CLERK, Role.ADMIN, Role.FINANCE)
