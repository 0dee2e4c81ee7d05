"""The finance track's queues: what the sales rep forwards and has forwarded, what finance
audits and has audited. Each is one scoped SELECT, sorted for keyset pagination."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.accounts.models import User
from portal.catalog.models import ProductModel
from portal.claims.models import Claim, FinanceStage
from portal.claims.scope import visible_claims
from portal.core.db import named
from portal.core.queues import day_of
from portal.dealers.models import Dealer
from portal.finance.access import can_follow_audits, can_follow_forwarding
from portal.finance.audit import ready_for_finance
from portal.finance.models import WriteOffNotice
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
    stmt = visible_claims(user)
    if name == "forward":  # decided, not yet forwarded; oldest first
        stmt = stmt.where(*FORWARD.where(user, now))
        if ready:
            stmt = stmt.where(ready_for_finance())
    elif name == "forwarded":
        stmt = stmt.where(Claim.finance_stage.is_not(None))
    elif name == "audit":
        stmt = stmt.where(*AUDIT.where(user, now))
    else:  # audited recently
        stmt = stmt.where(
            Claim.finance_stage.in_((FinanceStage.APPROVED, FinanceStage.REJECTED,
                                     FinanceStage.WRITTEN_OFF)),
            Claim.finance_on >= today - timedelta(days=RECENT_DAYS),
        )
    if dealer:
        stmt = stmt.where(Claim.dealer_id.in_(
            sa.select(Dealer.id).where(Dealer.code.startswith(dealer))))
    return stmt


# What a row of the page shows, as plain columns: each name read for the page's rows only (a
# subquery per shown row), not whole claims with their units, models, dealers and people.
ROW_COLUMNS = (
    Claim.id, Claim.number, Claim.status, Claim.finance_stage, Claim.decided_by_rules,
    Claim.sampled, Claim.sample_reviewed_at, Claim.decided_at, Claim.forwarded_at,
    Claim.finance_at, Claim.total_approved, Claim.total_finance,
    named(Claim, Dealer.code, Dealer.id == Claim.dealer_id, "dealer_code"),
    named(Claim, Dealer.name, Dealer.id == Claim.dealer_id, "dealer_name"),
    named(Claim, Unit.serial, Unit.id == Claim.unit_id, "serial"),
    named(Claim, ProductModel.code, sa.and_(Unit.id == Claim.unit_id,
                                           ProductModel.id == Unit.model_id), "model_code"),
    named(Claim, User.display_name, User.id == Claim.forwarded_by_id, "forwarded_by"),
    named(Claim, User.display_name, User.id == Claim.finance_by_id, "finance_by"),
    named(Claim, WriteOffNotice.number, WriteOffNotice.id == Claim.notice_id, "notice_number"),
)


def queue_rows(stmt):
    """``queue_select`` (narrowed further) as the rows its page shows (``ROW_COLUMNS``)."""
    return stmt.with_only_columns(*ROW_COLUMNS)
