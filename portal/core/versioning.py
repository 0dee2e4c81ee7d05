"""Optimistic locking across requests: a form carries the version it was read at."""

from flask_babel import gettext as _

from portal.core.errors import DomainError


def check_version(obj, submitted) -> None:
    """Refuse to save over a change somebody else made since the form was opened."""
    if str(submitted or "") != str(obj.version):
        raise DomainError(
            _("Someone else changed this record while you were editing. "
              "Reload the page and make your change again.")
        )
