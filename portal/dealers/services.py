"""Write operations on dealers."""

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.accounts.models import User
from portal.core import audit
from portal.core.errors import DomainError
from portal.core.versioning import check_version
from portal.dealers.models import Dealer, DealerStatus
from portal.extensions import db

FIELDS = ("code", "name", "province", "city", "address", "contact_name", "contact_phone",
          "service_phone", "email", "grade", "sales_rep_id")


def _readable(changes: dict) -> dict:
    """Name the sales rep by display name rather than by row id in the audit trail."""
    if "sales_rep_id" in changes:
        ids = [i for i in changes["sales_rep_id"] if i]
        names = dict(db.session.execute(
            sa.select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}
        changes["sales_rep"] = tuple(names.get(i) for i in changes.pop("sales_rep_id"))
    return changes


def create_dealer(values: dict, *, actor) -> Dealer:
    """Register a new dealer."""
    dealer = Dealer(**{k: values[k] for k in FIELDS})
    db.session.add(dealer)
    audit.record("create", dealer, actor=actor, to_state=DealerStatus.ACTIVE,
                 changes=_readable({k: (None, values[k]) for k in FIELDS}))
    return dealer


def update_dealer(dealer: Dealer, values: dict, *, version, actor) -> None:
    """Save changes to a dealer unless someone else changed it first."""
    check_version(dealer, version)
    changes = audit.apply_changes(dealer, {k: values[k] for k in FIELDS})
    if changes:
        audit.record("update", dealer, actor=actor, changes=_readable(changes))


def change_status(dealer: Dealer, status: DealerStatus, *, reason: str, actor) -> None:
    """Suspend or reactivate a dealer, with the reason on record."""
    if dealer.status == status:
        raise DomainError(_("The dealer is already %(state)s.", state=status.title))
    if not reason.strip():
        raise DomainError(_("Give a reason."), field="reason")
    old = dealer.status
    dealer.status = status
    audit.record("change_status", dealer, actor=actor, from_state=old, to_state=status,
                 reason=reason.strip())
