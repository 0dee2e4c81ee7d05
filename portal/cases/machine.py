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
from portal.catalog.models import Part, PartKind, ProductModel
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
                  part_id: int | None = None, now: datetime | None = None) -> SanbaoCase:
    """The technical department inspects the returned machine: its verdict, the cause and, for
    a quality fault, the main part that failed (``failed_part``)."""
    if not can_judge_case_machine(case, actor):
        raise DomainError(_("The technical department inspects a received machine, once."))
    check_version(case, version)
    verdict = MachineVerdict.parse(verdict)
    if verdict is None:
        raise DomainError(_("Choose the verdict."), field="verdict")
    cause = (cause or "").strip()
    if not cause:
        raise DomainError(_("Give the cause of the failure."), field="cause")
    part = failed_part(case, part_id) if verdict == MachineVerdict.QUALITY_FAULT else None
    case.machine_verdict, case.machine_cause, case.machine_part = verdict, cause[:2000], part
    case.machine_part_cost = part.price if part is not None else None
    case.machine_judged_by_id, case.machine_judged_at = actor.id, now or utcnow()
    changes = {"machine_verdict": (None, verdict)}
    if part is not None:
        changes["machine_part"] = (None, part.audit_label)
    audit.record("judge_machine", case, actor=actor, reason=case.machine_cause, changes=changes)
    return case


def failed_part(case: SanbaoCase, part_id: int | None) -> Part:
    """The main part a quality fault names: a main part (主要部件) listed for the machine's
    model. Its supplier answers for it (portal/cases/recovery.py); a misuse or no-defect verdict
    names none, since nobody is owed anything for it."""
    part = db.session.get(Part, part_id) if part_id else None
    if part is None:
        raise DomainError(_("Name the main part that failed."), field="part_id")
    if part.kind != PartKind.MAIN:
        raise DomainError(_("%(part)s is not a main part: name the main part that failed.",
                            part=part.part_number), field="part_id")
    if not part.fits(case.unit.model_id):
        raise DomainError(_("Part %(part)s does not fit model %(model)s.",
                            part=part.part_number, model=case.unit.model.code), field="part_id")
    return part


def main_parts(model_id: int) -> list[Part]:
    """The main parts listed for a model: what the verdict form offers."""
    return list(db.session.scalars(
        sa.select(Part).where(Part.kind == PartKind.MAIN,
                              Part.models.any(ProductModel.id == model_id))
        .order_by(Part.part_number)))
