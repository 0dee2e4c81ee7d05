"""Who may do what in the service register, with return visits, complaints and entitlement
flags: each rule said once, asked by the routes, the services and the templates."""

from portal.accounts.roles import DEALER_ROLES, HEAD_OFFICE_ROLES, Role
from portal.core.permissions import granted_to
from portal.service.models import Assignee, RequestStatus, VisitStatus

# The service register.
can_register_requests = granted_to(*DEALER_ROLES, Role.CLERK, Role.ADMIN)
# A dealer's own entry is routed to the dealer itself at once: it arranges its own work.
can_route_to_itself = granted_to(*DEALER_ROLES)
can_dispatch_requests = granted_to(Role.CLERK, Role.ADMIN)  # route and check
# Whom an entry is routed to, by role: the dealer's users, a rep, the technical department.
ASSIGNEE_OF = {**dict.fromkeys(DEALER_ROLES, Assignee.DEALER), Role.SALES_REP: Assignee.SALES_REP,
               Role.TECHNICAL: Assignee.TECHNICAL}
can_arrange_requests = granted_to(*ASSIGNEE_OF)
can_watch_escalation = granted_to(Role.CLERK, Role.ADMIN, Role.TECHNICAL, Role.SALES_REP)
# A dealer's users watch their own entries' deadlines in the register; head office escalates.
can_watch_own_deadlines = granted_to(*DEALER_ROLES)

# Return visits and complaints: the clerks call and handle; dealers see results only.
can_handle_followup = granted_to(Role.CLERK, Role.ADMIN)
can_plan_visits = granted_to(*HEAD_OFFICE_ROLES)  # the visits still to make, not only results
can_follow_visits = granted_to(Role.CLERK, Role.ADMIN, Role.SALES_REP, *DEALER_ROLES)
can_read_complaints = granted_to(Role.CLERK, Role.ADMIN, Role.TECHNICAL, Role.SALES_REP,
                                 *DEALER_ROLES)
can_read_complaint_escalation = granted_to(*HEAD_OFFICE_ROLES)

# Entitlement flags on units (replacement main part, exchange): listed for reps too.
can_resolve_flags = granted_to(Role.CLERK, Role.ADMIN, Role.TECHNICAL)
can_list_flags = granted_to(Role.CLERK, Role.ADMIN, Role.TECHNICAL, Role.SALES_REP)


def assignee_kind(user) -> Assignee | None:
    """Which kind of assignee ``user`` answers for; None when entries are never routed to them."""
    return ASSIGNEE_OF.get(getattr(user, "role", None))


def is_assignee(entry, user) -> bool:
    """The user is the one the entry was routed to (a user of that dealer, that rep, or tech)."""
    if entry.assignee is None or entry.assignee != assignee_kind(user):
        return False
    if entry.assignee == Assignee.DEALER:
        return user.dealer_id == entry.dealer_id
    if entry.assignee == Assignee.SALES_REP:
        return user.id == entry.assigned_user_id
    return True  # the technical department answers as one


def can_route(entry, user) -> bool:
    """A dispatcher routes (or reroutes) an entry until it is arranged."""
    return can_dispatch_requests(user) and entry.status in (RequestStatus.NEW,
                                                            RequestStatus.ROUTED)


def can_arrange(entry, user) -> bool:
    """The assignee arranges a routed entry."""
    return entry.status == RequestStatus.ROUTED and is_assignee(entry, user)


def can_check(entry, user) -> bool:
    """A dispatcher checks an arranged entry."""
    return can_dispatch_requests(user) and entry.status == RequestStatus.ARRANGED


def can_close(entry, user) -> bool:
    """A dispatcher closes an arranged or checked entry; the assignee a checked one."""
    if can_dispatch_requests(user):
        return entry.status in (RequestStatus.ARRANGED, RequestStatus.CHECKED)
    return entry.status == RequestStatus.CHECKED and is_assignee(entry, user)


def can_call_visit(visit, user) -> bool:
    """A clerk records the calls of a visit still open."""
    return can_handle_followup(user) and visit.status == VisitStatus.OPEN
