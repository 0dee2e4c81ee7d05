"""The finance track's queues: what the sales rep forwards and has forwarded, what finance
audits and has audited. Each is one scoped SELECT, sorted for keyset pagination."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.claims.models import Claim, FinanceStage
from portal.claims.scope import visible_claims
from portal.core.queues import day_of
from portal.dealers.models import Dealer
from portal.finance.access import can_follow_audits, can_follow_forwarding
from portal.finance.audit import ready_for_finance
from portal.finance.queues import AUDIT, FORWARD
from portal.units.models import Unit

RECENT_DAYS = 90
# queue -> (who sees it, sort column, newest first)
QUEUES = {
    "forward": (can_follow_forwarding, Claim.id, False),
    "forwarded": (can_follow_forwarding, Claim.forwarded_at, True),
    "audit": (can_follow_audits, Claim.id, False),
    "audited": (can_follow_audits, Claim.finance_at, True),
}


def queues_for(user) -> list[str]:
    """The tabs of the cost-audit page ``user`` sees, in order."""
    return [name for name, (may_see, _col, _desc) in QUEUES.items() if may_see(user)]


def queue_select(name: str, user, now: datetime, *, dealer: str = "", ready: bool = False):
    """A SELECT of the claims in queue ``name`` that ``user`` may see, with what a row shows:
    the work queues ``forward`` and ``audit`` (``portal.finance.queues``), or the claims
    forwarded and audited recently."""
    today = day_of(now)
    stmt = visible_claims(user).options(
        selectinload(Claim.unit).selectinload(Unit.model), selectinload(Claim.dealer))
    if name == "forward":  # decided, not yet forwarded; oldest first
        stmt = stmt.where(*FORWARD.where(user, now))
        if ready:
            stmt = stmt.where(ready_for_finance())
    elif name == "forwarded":
        stmt = stmt.where(Claim.finance_stage.is_not(None)).options(
            selectinload(Claim.forwarded_by), selectinload(Claim.notice))
    elif name == "audit":
        stmt = stmt.where(*AUDIT.where(user, now)).options(
            selectinload(Claim.forwarded_by))
    else:  # audited recently
        stmt = stmt.where(
            Claim.finance_stage.in_((FinanceStage.APPROVED, FinanceStage.REJECTED,
                                     FinanceStage.WRITTEN_OFF)),
            Claim.finance_on >= today - timedelta(days=RECENT_DAYS),
        ).options(selectinload(Claim.finance_by), selectinload(Claim.notice))
    if dealer:
        stmt = stmt.where(Claim.dealer_id.in_(
            sa.select(Dealer.id).where(Dealer.code.startswith(dealer))))
    return stmt
