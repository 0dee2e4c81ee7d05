"""Write operations of the service register: register, route, arrange, check, close.

Every function takes ``now`` (aware UTC) so the deadlines can be tested with a controlled
clock. Closing: the clerk (or an administrator) may close an entry once it is arranged; the
assignee only after the clerk has checked it, so that no entry skips head office's check.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.core import audit
from portal.core.db import SHANGHAI
from portal.core.errors import DomainError
from portal.core.numbering import next_number
from portal.core.versioning import LATEST, check_version
from portal.dealers.models import DealerStatus
from portal.dealers.scope import in_scope
from portal.extensions import db
from portal.service import deadlines
from portal.service.access import (
    assignee_kind,
    can_arrange,
    can_check,
    can_close,
    can_register_requests,
    can_route,
    can_route_to_itself,
)
from portal.service.models import Assignee, RequestStatus, ServiceRequest
from portal.units.models import Unit
from portal.units.scope import visible_units

MAX_AGE = timedelta(days=30)
REGISTER_FIELDS = ("channel", "received_at", "customer_name", "customer_phone", "location",
                   "description", "urgency")
REQUIRED = ("customer_name", "description")


def local(moment: datetime | None) -> str:
    """A time as people read it (Asia/Shanghai), for the audit trail."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if moment else ""


def _record(action: str, entry, actor, now: datetime, **details) -> None:
    audit.record(action, entry, actor=actor, **details).at = now


def _refuse_unless(allowed: bool, version, entry) -> None:
    check_version(entry, version)
    if not allowed:
        raise DomainError(_("You cannot do this to this entry in its present state."))


# Registering.

def check_received_at(received_at: datetime, now: datetime) -> None:
    if received_at > now:
        raise DomainError(_("The time received cannot be in the future."), field="received_at")
    if received_at < now - MAX_AGE:
        raise DomainError(_("The time received is more than %(n)d days ago.", n=MAX_AGE.days),
                          field="received_at")


def find_unit(serial: str, user) -> Unit:
    """The unit with exactly this serial number, among those the user may see."""
    unit = db.session.scalar(visible_units(user).where(Unit.serial == serial.strip().upper()))
    if unit is None:
        raise DomainError(_("No unit with this serial number among the units you can see."),
                          field="serial")
    return unit


def register(values: dict, *, actor, now: datetime, serial: str = "") -> ServiceRequest:
    """Enter a call, letter or visit. A dealer's own entry is routed to itself at once."""
    if not can_register_requests(actor):
        raise DomainError(_("You cannot register service requests."))
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    for key in REQUIRED:
        if not values.get(key):
            raise DomainError(_("This field is required."), field=key)
    check_received_at(values["received_at"], now)
    unit = find_unit(serial, actor) if serial and serial.strip() else None
    # Head office's until routed; a dealer's own request reached it when it came in.
    entry = ServiceRequest(**{k: values.get(k) or "" for k in REGISTER_FIELDS}, unit=unit,
                           registered_by_id=actor.id, registered_at=now,
                           status=RequestStatus.NEW,
                           arrange_due_at=deadlines.arrange_due(values["received_at"]))
    if can_route_to_itself(actor):
        entry.received_by_dealer_id = entry.dealer_id = actor.dealer_id
        entry.assignee, entry.status = Assignee.DEALER, RequestStatus.ROUTED
        entry.routed_at, entry.routed_by_id = now, actor.id
        entry.check_due_at = deadlines.check_due(now)
    entry.number = next_number("service_request", now).text
    db.session.add(entry)
    changes = {k: (None, getattr(entry, k)) for k in REGISTER_FIELDS if getattr(entry, k)}
    changes["received_at"] = (None, local(entry.received_at))
    if unit:
        changes["unit"] = (None, unit.serial)
    _record("create", entry, actor, now, to_state=entry.status, changes=changes)
    return entry


# The flow.

def route(entry: ServiceRequest, assignee: Assignee, *, actor, now: datetime, dealer=None,
          rep=None, reason: str = "", version=LATEST) -> None:
    """Give the entry to a dealer, a sales rep or the technical department (again, with a
    reason, while it is not arranged); the arrange and check deadlines run from now, when the
    task reaches its assignee."""
    _refuse_unless(can_route(entry, actor), version, entry)
    rerouting, reason = entry.status == RequestStatus.ROUTED, (reason or "").strip()
    dealer, rep = _target(assignee, dealer, rep)
    if rerouting and (entry.assignee, entry.dealer, entry.assigned_user) == (
            assignee, dealer, rep):
        raise DomainError(_("The entry is already routed there."), field="assignee")
    if rerouting and not reason:
        raise DomainError(_("Say why the entry goes to someone else."), field="reason")
    before = _routing(entry)
    entry.assignee, entry.dealer, entry.assigned_user = assignee, dealer, rep
    entry.routed_at, entry.routed_by_id = now, actor.id
    entry.arrange_due_at, entry.check_due_at = deadlines.arrange_due(now), deadlines.check_due(now)
    from_state, entry.status = entry.status, RequestStatus.ROUTED
    after = _routing(entry)
    _record("reroute" if rerouting else "route", entry, actor, now, from_state=from_state,
            to_state=entry.status, reason=reason,
            changes={k: (before[k], after[k]) for k in after if before[k] != after[k]})


def _target(assignee: Assignee, dealer, rep) -> tuple:
    """The (dealer, rep) the entry goes to; only the one the assignee kind names."""
    if assignee == Assignee.DEALER:
        if dealer is None:
            raise DomainError(_("Choose the dealer."), field="dealer_id")
        if dealer.status != DealerStatus.ACTIVE:
            raise DomainError(_("This dealer is suspended."), field="dealer_id")
        return dealer, None
    if assignee == Assignee.SALES_REP:
        if assignee_kind(rep) != Assignee.SALES_REP or not rep.is_active_user:
            raise DomainError(_("Choose an active sales rep."), field="rep_id")
        return None, rep
    return None, None


def _routing(entry) -> dict:
    return {"assignee": entry.assignee,
            "dealer": entry.dealer.code if entry.dealer else None,
            "sales_rep": entry.assigned_user.display_name if entry.assigned_user else None,
            "arrange_due_at": local(entry.arrange_due_at) or None,
            "check_due_at": local(entry.check_due_at) or None}


def arrange(entry: ServiceRequest, values: dict, *, actor, now: datetime, version=LATEST) -> None:
    """Record the arrangement: what will be done, when, who goes; the customer has been told."""
    _refuse_unless(can_arrange(entry, actor), version, entry)
    plan, who_goes = (values.get("plan") or "").strip(), (values.get("who_goes") or "").strip()
    planned_for = values.get("planned_for")
    for key, value in (("plan", plan), ("planned_for", planned_for), ("who_goes", who_goes)):
        if not value:
            raise DomainError(_("This field is required."), field=key)
    if planned_for < entry.received_at:
        raise DomainError(_("The visit cannot be planned before the request was received."),
                          field="planned_for")
    if not values.get("customer_told"):
        raise DomainError(_("Tell the customer what was arranged, then tick this box."),
                          field="customer_told")
    entry.plan, entry.planned_for, entry.who_goes = plan, planned_for, who_goes
    entry.customer_told, entry.arranged_at, entry.arranged_by_id = True, now, actor.id
    entry.status = RequestStatus.ARRANGED
    _record("arrange", entry, actor, now, from_state=RequestStatus.ROUTED, to_state=entry.status,
            changes={"plan": (None, plan), "planned_for": (None, local(planned_for)),
                     "who_goes": (None, who_goes), "customer_told": (None, True)})


def check(entry: ServiceRequest, note: str = "", *, actor, now: datetime, version=LATEST) -> None:
    """The clerk confirms that the arrangement was made (and the customer told)."""
    _refuse_unless(can_check(entry, actor), version, entry)
    entry.check_note = (note or "").strip()
    entry.checked_at, entry.checked_by_id = now, actor.id
    entry.status = RequestStatus.CHECKED
    _record("check", entry, actor, now, from_state=RequestStatus.ARRANGED, to_state=entry.status,
            reason=entry.check_note)


def close(entry: ServiceRequest, outcome: str, *, actor, now: datetime, version=LATEST) -> None:
    """Close the entry with its outcome."""
    _refuse_unless(can_close(entry, actor), version, entry)
    outcome = (outcome or "").strip()
    if not outcome:
        raise DomainError(_("Say what came of it."), field="outcome")
    from_state = entry.status
    entry.outcome, entry.closed_at, entry.closed_by_id = outcome, now, actor.id
    entry.status = RequestStatus.CLOSED
    _record("close", entry, actor, now, from_state=from_state, to_state=entry.status,
            reason=outcome)


# Work lists.

def assigned_to(user):
    """SQL: the entry is routed to ``user`` (their dealer, themselves, or their department), as
    ``is_assignee`` answers for one entry."""
    r, kind = ServiceRequest, assignee_kind(user)
    if kind is None:
        return sa.false()
    if kind == Assignee.DEALER:
        return sa.and_(r.assignee == kind, in_scope(r.dealer_id, user))
    if kind == Assignee.SALES_REP:
        return sa.and_(r.assignee == kind, r.assigned_user_id == user.id)
    return r.assignee == kind

