"""Who may do what with user accounts: everyone manages their own password and tokens, the
administrator everybody's accounts."""

from portal.accounts.roles import HEAD_OFFICE_ROLES, Role
from portal.core.permissions import granted_to

# Create, change and deactivate users, reset their passwords.
can_manage_users = granted_to(Role.ADMIN)
# Who changed what on a record is head office's view; a dealer's users see the record itself.
can_read_history = granted_to(*HEAD_OFFICE_ROLES)
# The whole audit trail, every record's changes searched by type and user: the administrator.
can_browse_audit_trail = granted_to(Role.ADMIN)
