"""The finance track's work queues (``portal.core.queues``): decided claims for the sales rep
to forward, forwarded claims for finance to audit, notices waiting for their dealer or disputed
by it. (Case settlements to approve: ``portal/cases/finance.py``, above finance.)"""

from flask_babel import lazy_gettext as _l

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
)
from portal.finance.audit import READY_STATUSES
from portal.finance.models import NoticeStatus, WriteOffNotice
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


def awaiting_dealer(user, now) -> list:
    """The notices waiting for ``user``'s dealer to confirm them, oldest first (its home page
    and notice list): plain rows of what those boxes show (number, period, total), not whole
    notices with their two JSON documents."""
    n = WriteOffNotice
    return db.session.execute(NOTICES_ISSUED.ordered(user, now).with_only_columns(
        n.id, n.number, n.period_start, n.period_end, n.total)).all()
