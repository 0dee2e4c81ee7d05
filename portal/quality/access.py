"""Who may do what with batch alerts: head office reads them, the technical department and the
administrator run the check and acknowledge and close alerts."""

from portal.accounts.roles import HEAD_OFFICE_ROLES, Role
from portal.core.permissions import granted_to

# Dealers are told the alerts do not exist (404, as for foreign records).
can_read_alerts = granted_to(*HEAD_OFFICE_ROLES)
can_act_on_alerts = granted_to(Role.TECHNICAL, Role.ADMIN)
