"""What waits for finance and for a sales rep: counts and the oldest item, for their home pages."""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from portal.claims.models import Claim, ClaimStatus, FinanceStage
from portal.dealers.scope import in_scope
from portal.extensions import db
from portal.finance.audit import ready_for_finance
from portal.finance.models import NoticeStatus, WriteOffNotice


def claim_queues() -> dict:
    """Claims to audit (count, oldest forwarding) and cost-approved claims in no notice yet
    (count, their total, oldest cost approval), as JSON a snapshot keeps: tens of thousands of
    claims each, too many to count on every view."""
    audit, oldest = db.session.execute(
        sa.select(sa.func.count(Claim.id), sa.func.min(Claim.forwarded_at))
        .where(Claim.finance_stage == FinanceStage.FORWARDED)).one()
    unnoticed, total, since = db.session.execute(
        sa.select(sa.func.count(Claim.id), sa.func.coalesce(sa.func.sum(Claim.total_finance), 0),
                  sa.func.min(Claim.finance_on))
        .where(Claim.finance_stage == FinanceStage.APPROVED, Claim.notice_id.is_(None))).one()
    return {"audit": [audit, oldest and oldest.isoformat()],
            "unnoticed": [unnoticed, str(total), since and since.isoformat()]}


def finance_work(claims: dict | None = None) -> dict:
    """Claims to audit, cost-approved claims in no notice (``claim_queues`` of a moment before
    when given, else counted now), notices disputed or still waiting for their dealer: each a
    count with its oldest date."""
    claims = claims if claims is not None else claim_queues()
    audit, oldest = claims["audit"]
    unnoticed, total, since = claims["unnoticed"]
    notices = dict(
        (status, (count, oldest)) for status, count, oldest in db.session.execute(
            sa.select(WriteOffNotice.status, sa.func.count(WriteOffNotice.id),
                      sa.func.min(WriteOffNotice.issued_at))
            .where(WriteOffNotice.status.in_((NoticeStatus.ISSUED, NoticeStatus.DISPUTED)))
            .group_by(WriteOffNotice.status)))
    return {"audit": (audit, oldest and datetime.fromisoformat(oldest)),
            "unnoticed": (unnoticed, Decimal(total), since and date.fromisoformat(since)),
            "disputed": notices.get(NoticeStatus.DISPUTED, (0, None)),
            "issued": notices.get(NoticeStatus.ISSUED, (0, None))}


def rep_work(rep) -> dict:
    """The rep's decided claims waiting to be forwarded: ready ones, and those still waiting for
    old-part verdicts (counts)."""
    waiting = sa.and_(Claim.finance_stage.is_(None), in_scope(Claim.dealer_id, rep),
                      Claim.status.in_((ClaimStatus.APPROVED, ClaimStatus.PARTLY_APPROVED)))
    ready, total = db.session.execute(
        sa.select(sa.func.count(Claim.id).filter(ready_for_finance()), sa.func.count(Claim.id))
        .where(waiting)).one()
    return {"ready": ready, "not_ready": total - ready}
