"""The failed machine of a completed case back at the factory: the clerk receives it, the
technical department inspects it (verdict and cause), and it stays in factory stock as
defective, never shipped or handed over again as a good machine.

The maker pays the freight of a machine returned after a 三包 exchange or refund (seed 000:
the failed machine back to the company), so nothing is charged to the dealer here.
"""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.cases.access import can_judge_case_machine, can_receive_case_machine
from portal.cases.models import CaseStatus, MachineVerdict, SanbaoCase
from portal.core import audit
from portal.core.db import utcnow
from portal.core.errors import DomainError
from portal.core.versioning import check_version
from portal.extensions import db


def defective_unit_ids():
    """A SELECT of the ids of failed machines back from a completed case: factory stock that
    is defective (not to be shipped or handed over as a replacement)."""
    return sa.select(SanbaoCase.unit_id).where(SanbaoCase.status == CaseStatus.COMPLETED)


def is_defective(unit_id: int) -> bool:
    return bool(db.session.scalar(sa.select(sa.exists(
        defective_unit_ids().where(SanbaoCase.unit_id == unit_id)))))


def receive_machine(case: SanbaoCase, received_on: date | None, note: str = "", *, actor,
                    version, today: date) -> SanbaoCase:
    """The clerk records the failed machine's arrival at the factory."""
    if not can_receive_case_machine(case, actor):
        raise DomainError(_("Only the sales clerk receives the failed machine, once, after the "
                            "case is completed."))
    check_version(case, version)
    if received_on is None or received_on > today:
        raise DomainError(_("Give the day it arrived (not in the future)."), field="received_on")
    if received_on < case.completed_on:
        raise DomainError(_("This date cannot be before the case was completed (%(day)s).",
                            day=case.completed_on.isoformat()), field="received_on")
    case.machine_received_on, case.machine_received_by_id = received_on, actor.id
    audit.record("receive_machine", case, actor=actor, reason=(note or "").strip(),
                 changes={"machine_received_on": (None, received_on)})
    return case


def judge_machine(case: SanbaoCase, verdict, cause: str, *, actor, version,
                  now: datetime | None = None) -> SanbaoCase:
    """The technical department inspects the returned machine: its verdict and the cause."""
    if not can_judge_case_machine(case, actor):
        raise DomainError(_("The technical department inspects a received machine, once."))
    check_version(case, version)
    verdict = MachineVerdict.parse(verdict)
    if verdict is None:
        raise DomainError(_("Choose the verdict."), field="verdict")
    cause = (cause or "").strip()
    if not cause:
        raise DomainError(_("Give the cause of the failure."), field="cause")
    case.machine_verdict, case.machine_cause = verdict, cause[:2000]
    case.machine_judged_by_id, case.machine_judged_at = actor.id, now or utcnow()
    audit.record("judge_machine", case, actor=actor, reason=case.machine_cause,
                 changes={"machine_verdict": (None, verdict)})
    return case
