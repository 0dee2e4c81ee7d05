"""Who may do what with exchange and refund cases: the dealer's users and the sales clerk open
and carry them out (seed 003 gives 退货换货 to the clerk); the technical department decides."""

from portal.accounts.roles import DEALER_ROLES, Role
from portal.cases.models import CaseStatus
from portal.cases.rules import kinds_for_flag
from portal.core.permissions import granted_to

can_open_cases = granted_to(*DEALER_ROLES, Role.CLERK)  # open and complete
can_decide_cases = granted_to(Role.TECHNICAL)  # and inspects the failed machine
can_receive_machines = granted_to(Role.CLERK)


def _for_dealer(dealer_id: int | None, user) -> bool:
    """A dealer's user acts for its own dealer only; the clerk for any."""
    return not user.role.is_dealer or user.dealer_id == dealer_id


def can_open_case(unit, user) -> bool:
    """Open a case on this unit: a dealer's user on its own units, the clerk on any (the
    service still checks the unit has a buyer and no open case)."""
    return can_open_cases(user) and _for_dealer(unit.dealer_id, user)


def can_decide_case(case, user) -> bool:
    """The technical department approves or refuses a requested case."""
    return can_decide_cases(user) and case.status == CaseStatus.REQUESTED


def can_complete_case(case, user) -> bool:
    """The dealer's users or the clerk carry out an approved case."""
    return (can_open_cases(user) and _for_dealer(case.dealer_id, user)
            and case.status == CaseStatus.APPROVED)


def can_open_case_from(flag, user) -> bool:
    """Open a case from this entitlement: an open exchange or refund entitlement on a unit the
    user may open a case on."""
    return (flag.resolved_at is None and bool(kinds_for_flag(flag.kind))
            and can_open_case(flag.unit, user))


def can_receive_case_machine(case, user) -> bool:
    """The clerk records the failed machine of a completed case arriving, once."""
    return (can_receive_machines(user) and case.status == CaseStatus.COMPLETED
            and case.machine_received_on is None)


def can_judge_case_machine(case, user) -> bool:
    """The technical department inspects a received machine, once."""
    return (can_decide_cases(user) and case.machine_received_on is not None
            and case.machine_verdict is None)
