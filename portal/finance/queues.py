"""The finance track's work queues (``portal.core.queues``): decided claims for the sales rep
to forward, forwarded claims for finance to audit, exchange and refund cases whose settlement
finance decides, notices waiting for their dealer or disputed by it."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.cases.models import CaseStatus, SanbaoCase
from portal.cases.scope import visible_cases
from portal.claims.models import Claim, FinanceStage
from portal.claims.scope import visible_claims
from portal.core.permissions import any_of
from portal.core.queues import Queue
from portal.extensions import db
from portal.finance.access import (
    can_answer_notices,
    can_audit_costs,
    can_forward_claims,
    can_manage_notices,
    can_settle_cases,
)
from portal.finance.audit import READY_STATUSES
from portal.finance.models import CaseSettlement, NoticeStatus, WriteOffNotice
from portal.finance.notice_scope import visible_notices

FORWARD = Queue(
    "forward", _l("Claims to forward to finance"), can_forward_claims, visible_claims,
    lambda user, now: (Claim.status.in_(READY_STATUSES), Claim.finance_stage.is_(None),
                       Claim.filed_by_head_office.is_(False)),  # the maker's own cost
    Claim.decided_at, Claim.id, "finance.claims", order=Claim.id)
AUDIT = Queue(
    "audit", _l("Claims to audit"), can_audit_costs, visible_claims,
    lambda user, now: (Claim.finance_stage == FinanceStage.FORWARDED,), Claim.forwarded_at,
    Claim.id, "finance.claims", order=Claim.id)
# The same conditions as ``access.settlement_problem``, as SQL: completed, machine back, no
# settlement decided yet. Oldest arrival first.
SETTLE = Queue(
    "case_settlements", _l("Case settlements to approve"), can_settle_cases, visible_cases,
    lambda user, now: (SanbaoCase.status == CaseStatus.COMPLETED,
                       SanbaoCase.machine_received_on.is_not(None),
                       ~sa.exists().where(CaseSettlement.case_id == SanbaoCase.id)),
    SanbaoCase.machine_received_on, SanbaoCase.id, "finance.case_settlements")
NOTICES_ISSUED = Queue(
    "notices_issued", _l("Notices waiting for dealers"),
    any_of(can_manage_notices, can_answer_notices),
    visible_notices, lambda user, now: (WriteOffNotice.status == NoticeStatus.ISSUED,),
    WriteOffNotice.issued_at, WriteOffNotice.id, "finance.notices", order=WriteOffNotice.id,
    args={"status": "issued"})
NOTICES_DISPUTED = Queue(
    "notices_disputed", _l("Notices disputed"), can_manage_notices, visible_notices,
    lambda user, now: (WriteOffNotice.status == NoticeStatus.DISPUTED,),
    WriteOffNotice.issued_at, WriteOffNotice.id, "finance.notices", order=WriteOffNotice.id,
    args={"status": "disputed"})


def awaiting_dealer(user, now) -> list[WriteOffNotice]:
    """The notices waiting for ``user``'s dealer to confirm them, oldest first (its home page
    and notice list)."""
    return db.session.scalars(NOTICES_ISSUED.ordered(user, now)).all()
