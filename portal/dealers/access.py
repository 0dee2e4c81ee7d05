"""Who may do what with dealers. Which dealers a user sees is ``portal.dealers.scope``."""

from portal.accounts.roles import Role
from portal.core.permissions import granted_to
from portal.dealers.scope import scoped

# Register, edit, suspend and reactivate dealers.
can_manage_dealers = granted_to(Role.ADMIN)


def can_see_all_dealers(user) -> bool:
    """Head office sees the whole network; a rep and a dealer's users only their dealers."""
    return not scoped(user)
