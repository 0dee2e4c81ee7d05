"""The service register's and the follow-up's work queues (``portal.core.queues``): entries to
route, arrange and check, entries overdue; return visits due, complaints open, entitlement
flags open."""

from flask_babel import lazy_gettext as _l

from portal.claims.models import UnitFlag
from portal.core.queues import Queue, day_of
from portal.service.access import (
    can_arrange_requests,
    can_dispatch_requests,
    can_handle_followup,
    can_resolve_flags,
    can_watch_escalation,
    can_watch_own_deadlines,
)
from portal.service.deadlines import due_column, open_work, overdue_terms
from portal.service.followup_scope import visible_complaints, visible_flags, visible_visits
from portal.service.models import (
    OPEN_COMPLAINT,
    Complaint,
    RequestStatus,
    ReturnVisit,
    ServiceRequest,
    VisitStatus,
)
from portal.service.scope import visible_requests
from portal.service.services import assigned_to

R = ServiceRequest


def _overdue(user, now):
    return overdue_terms(now, user)  # past its deadline (open work, for a scoped user)


TO_ROUTE = Queue(
    "requests_new", _l("Service requests to route"), can_dispatch_requests, visible_requests,
    lambda user, now: (R.status == RequestStatus.NEW,), R.received_at, R.id, "service.index",
    args={"status": "new"})
TO_ARRANGE = Queue(
    "requests_routed", _l("Service requests to arrange"), can_dispatch_requests,
    visible_requests, lambda user, now: (R.status == RequestStatus.ROUTED,), R.arrange_due_at,
    R.id, "service.index", args={"status": "routed"})
MINE_TO_ARRANGE = Queue(
    "requests_mine", _l("Service requests routed to you to arrange"), can_arrange_requests,
    visible_requests,
    lambda user, now: (open_work(), R.status == RequestStatus.ROUTED, assigned_to(user)),
    R.arrange_due_at, R.id,
    "service.index", args={"status": "routed", "mine": "1"})
TO_CHECK = Queue(
    "requests_arranged", _l("Service requests to check"), can_dispatch_requests,
    visible_requests, lambda user, now: (R.status == RequestStatus.ARRANGED,), R.check_due_at,
    R.id, "service.index", args={"status": "arranged"})
# Overdue entries, the longest overdue first: managers escalate them from their own page,
# dealers see theirs in the register.
OVERDUE = Queue(
    "requests_overdue", _l("Service requests overdue"), can_watch_escalation, visible_requests,
    _overdue, due_column(), R.id, "service.escalation")
OVERDUE_HERE = Queue(
    "requests_late", _l("Service requests overdue"), can_watch_own_deadlines, visible_requests,
    _overdue, due_column(), R.id, "service.index", order=R.received_at, args={"overdue": "1"})
VISITS = Queue(
    "visits_due", _l("Return visits due"), can_handle_followup, visible_visits,
    lambda user, now: (ReturnVisit.status == VisitStatus.OPEN, ReturnVisit.due_on <= day_of(now)),
    ReturnVisit.due_on, ReturnVisit.id, "followup.visits", args={"status": "open"})
COMPLAINTS = Queue(
    "complaints_open", _l("Complaints open"), can_handle_followup, visible_complaints,
    lambda user, now: (Complaint.status.in_(OPEN_COMPLAINT),), Complaint.received_at,
    Complaint.id, "followup.complaints")
FLAGS = Queue(
    "flags_open", _l("Entitlement flags open"), can_resolve_flags,
    visible_flags, lambda user, now: (UnitFlag.resolved_at.is_(None),), UnitFlag.raised_at,
    UnitFlag.id, "followup.flags")
