"""The exchange and refund cases' work queues (``portal.core.queues``): cases waiting for the
technical department's decision, approved cases to carry out (the dealer's staff for their own
dealer, the sales clerk for any), failed machines of completed cases not yet received at the
factory (the clerk), and received machines not yet judged (the technical department).

Each queue's holder is the predicate of ``portal/cases/access.py`` guarding the action it waits
for; its filter is the state that action's ``can_*_case*`` predicate asks for."""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal.cases.access import can_decide_cases, can_open_cases, can_receive_machines
from portal.cases.models import CaseStatus, SanbaoCase
from portal.cases.scope import visible_cases
from portal.core.queues import Queue, piles

C = SanbaoCase
# can_decide_case: a requested case.
TO_DECIDE = Queue(
    "cases_to_decide", _l("Exchange and refund cases to decide"), can_decide_cases,
    visible_cases, lambda user, now: (C.status == CaseStatus.REQUESTED,), C.requested_at, C.id,
    "cases.index", args={"status": "requested"})
# can_complete_case: an approved case of the user's dealer (the clerk: any).
TO_CARRY_OUT = Queue(
    "cases_to_carry_out", _l("Exchanges and refunds to carry out"), can_open_cases,
    visible_cases, lambda user, now: (C.status == CaseStatus.APPROVED,), C.decided_at, C.id,
    "cases.index", args={"status": "approved"})
# can_receive_case_machine: a completed case whose failed machine has not arrived.
MACHINES_TO_RECEIVE = Queue(
    "case_machines_to_receive", _l("Failed machines to receive"), can_receive_machines,
    visible_cases, lambda user, now: (C.status == CaseStatus.COMPLETED,
                                      C.machine_received_on.is_(None)),
    C.completed_on, C.id, "cases.index", args={"status": "completed"})
# can_judge_case_machine: a received machine with no verdict yet.
MACHINES_TO_JUDGE = Queue(
    "case_machines_to_judge", _l("Returned machines to inspect"), can_decide_cases,
    visible_cases, lambda user, now: (C.machine_received_on.is_not(None),
                                      C.machine_verdict.is_(None)),
    C.machine_received_on, C.id, "cases.index", args={"status": "completed"})

QUEUES = (TO_DECIDE, TO_CARRY_OUT, MACHINES_TO_RECEIVE, MACHINES_TO_JUDGE)


def home_box(user, now: datetime) -> list[dict]:
    """The home pages' case tiles: each queue ``user`` works, with its count, its oldest item
    and the list it links to (one query for them all)."""
    held = [queue for queue in QUEUES if queue.held_by(user)]
    return [{"name": queue.name, "label": queue.label, "count": pile.count,
             "oldest": pile.oldest, "url": queue.url()}
            for queue, pile in zip(held, piles(held, user, now), strict=True)]
