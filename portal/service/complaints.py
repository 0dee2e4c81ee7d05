"""Complaints (投诉): recorded, escalated to management, resolved, archived.

A resolved complaint may be reopened when the customer is still not satisfied; an archived
one is a closed file (a new complaint is recorded instead). Every move is on the audit trail
with its from and to state and the reason.
"""

from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.claims.models import Claim
from portal.claims.scope import visible_claims
from portal.core import audit
from portal.core.errors import DomainError
from portal.core.numbering import next_number
from portal.core.versioning import LATEST, check_version
from portal.dealers.models import Dealer
from portal.dealers.scope import visible_dealers
from portal.extensions import db
from portal.service.models import Complaint, ComplaintStatus
from portal.units.models import Unit
from portal.units.scope import visible_units

S = ComplaintStatus
# action: (states it may start from, state it leads to)
TRANSITIONS = {
    "escalate": ({S.OPEN}, S.ESCALATED),
    "resolve": ({S.OPEN, S.ESCALATED}, S.RESOLVED),
    "archive": ({S.RESOLVED}, S.ARCHIVED),
    "reopen": ({S.RESOLVED}, S.OPEN),
}
REFUSED = {
    "escalate": _l("Only an open complaint can be escalated."),
    "resolve": _l("This complaint is already resolved or archived."),
    "archive": _l("Only a resolved complaint can be archived."),
    "reopen": _l("Only a resolved complaint can be reopened; archived ones are closed."),
}
# The moves that need a note, and what it must say (the form field is "note").
NOTE_NEEDED = {
    "escalate": _l("Say why this goes to management."),
    "resolve": _l("Write how the complaint was resolved."),
    "reopen": _l("Say why the complaint is reopened."),
}
FIELDS = ("channel", "received_at", "customer_name", "customer_phone", "description")
CLOCK_SKEW = timedelta(minutes=5)


def allowed_actions(complaint: Complaint) -> list[str]:
    """The moves this complaint's state allows, in the order they are offered."""
    return [a for a, (sources, _t) in TRANSITIONS.items() if complaint.status in sources]


def _named(values: dict, field: str, visible, column, missing: str):
    """The record of ``visible`` (what the actor may see) whose ``column`` is the text of
    ``field`` (in upper case); None when the field is empty, refused when there is none."""
    text = values.get(field, "").strip()
    if not text:
        return None
    found = db.session.scalar(visible.where(column == text.upper()))
    if found is None:
        raise DomainError(missing, field=field)
    return found


def resolve_links(values: dict, actor) -> tuple:
    """Find the dealer, unit and repair named; fill the dealer and unit from the repair."""
    dealer = _named(values, "dealer_code", visible_dealers(actor), Dealer.code,
                    _("No dealer with this code."))
    unit = _named(values, "unit_serial", visible_units(actor), Unit.serial,
                  _("No unit with this serial number."))
    claim = _named(values, "claim_number", visible_claims(actor), Claim.number,
                   _("No repair record with this number."))
    if claim and unit and claim.unit_id != unit.id:
        raise DomainError(_("This repair was on unit %(serial)s.", serial=claim.unit.serial),
                          field="unit_serial")
    if claim and dealer and claim.dealer_id != dealer.id:
        raise DomainError(_("This repair was done by dealer %(code)s.",
                            code=claim.dealer.code), field="dealer_code")
    if claim:
        unit, dealer = claim.unit, claim.dealer
    if unit and dealer is None:
        dealer = unit.dealer
    return dealer, unit, claim


def register_complaint(values: dict, *, actor, now: datetime) -> Complaint:
    """Record a complaint as received, with the dealer, unit and repair it concerns."""
    if values["received_at"] > now + CLOCK_SKEW:
        raise DomainError(_("This time cannot be in the future."), field="received_at")
    if not values["description"].strip():
        raise DomainError(_("Say what the customer complains about."), field="description")
    dealer, unit, claim = resolve_links(values, actor)
    complaint = Complaint(number=next_number("complaint", now).text, registered_by_id=actor.id,
                          dealer=dealer, unit=unit, claim=claim, status=S.OPEN,
                          **{k: values[k].strip() if isinstance(values[k], str) else values[k]
                             for k in FIELDS})
    db.session.add(complaint)
    changes = {k: (None, getattr(complaint, k)) for k in FIELDS}
    changes.update(dealer=(None, dealer and dealer.code), unit=(None, unit and unit.serial),
                   claim=(None, claim and claim.number))
    audit.record("create", complaint, actor=actor, to_state=S.OPEN, changes=changes)
    return complaint


def _move(complaint: Complaint, action: str, reason: str, *, actor, version,
          **updates) -> None:
    """Check the move is allowed, make it with its updates, and put it on the audit trail."""
    sources, target = TRANSITIONS[action]
    if complaint.status not in sources:
        raise DomainError(REFUSED[action])
    check_version(complaint, version)
    reason = (reason or "").strip()
    if action in NOTE_NEEDED and not reason:
        raise DomainError(NOTE_NEEDED[action], field="note")
    old = complaint.status
    complaint.status = target
    for name, value in updates.items():
        setattr(complaint, name, value)
    audit.record(action, complaint, actor=actor, from_state=old, to_state=target,
                 reason=reason)


def escalate_complaint(complaint: Complaint, note: str, *, actor, now: datetime,
                       version=LATEST) -> None:
    """Pass the complaint to management, saying why."""
    _move(complaint, "escalate", note, actor=actor, version=version,
          escalation_note=(note or "").strip(), escalated_at=now)


def resolve_complaint(complaint: Complaint, resolution: str, *, actor, now: datetime,
                      version=LATEST) -> None:
    """Record how the complaint was settled."""
    _move(complaint, "resolve", resolution, actor=actor, version=version,
          resolution=(resolution or "").strip(), resolved_at=now)


def archive_complaint(complaint: Complaint, note: str = "", *, actor, now: datetime,
                      version=LATEST) -> None:
    """File a resolved complaint away; it can no longer change."""
    _move(complaint, "archive", note, actor=actor, version=version, archived_at=now)


def reopen_complaint(complaint: Complaint, reason: str, *, actor, version=LATEST) -> None:
    """Open a resolved complaint again; the old resolution stays on the audit trail."""
    _move(complaint, "reopen", reason, actor=actor, version=version, resolution="",
          resolved_at=None)
