"""What waits for finance and for a sales rep: counts and the oldest item, for their home pages,
read from the finance track's queues (``portal.finance.queues``)."""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from portal.accounts.roles import WHOLE_VIEW
from portal.claims.models import Claim, FinanceStage
from portal.core.queues import piles
from portal.dealers.models import Dealer
from portal.extensions import db
from portal.finance.audit import ready_for_finance
from portal.finance.notices import unnoticed_settlements
from portal.finance.queues import AUDIT, FORWARD, NOTICES_DISPUTED, NOTICES_ISSUED


def claim_queues(now: datetime) -> dict:
    """Claims to audit (count, oldest forwarding) and cost-approved claims in no notice yet
    (count, their total, oldest cost approval), as JSON a snapshot keeps: tens of thousands of
    claims each, too many to count on every view."""
    audit = AUDIT.pile(WHOLE_VIEW, now)
    unnoticed, total, since = db.session.execute(
        sa.select(sa.func.count(Claim.id), sa.func.coalesce(sa.func.sum(Claim.total_finance), 0),
                  sa.func.min(Claim.finance_on))
        .where(Claim.finance_stage == FinanceStage.APPROVED, Claim.notice_id.is_(None))).one()
    return {"audit": [audit.count, audit.oldest and audit.oldest.isoformat()],
            "unnoticed": [unnoticed, str(total), since and since.isoformat()]}


def finance_work(claims: dict, now: datetime) -> dict:
    """Claims to audit, cost-approved claims in no notice (``claim_queues`` of a moment before),
    approved case settlements in no notice, notices disputed or still waiting for their dealer
    (counted at ``now``): each a count with its oldest date."""
    audit, oldest = claims["audit"]
    unnoticed, total, since = claims["unnoticed"]
    issued, disputed = piles([NOTICES_ISSUED, NOTICES_DISPUTED], WHOLE_VIEW, now)
    return {"audit": (audit, oldest and datetime.fromisoformat(oldest)),
            "unnoticed": (unnoticed, Decimal(total), since and date.fromisoformat(since)),
            "unnoticed_cases": unnoticed_settlements(),
            "disputed": (disputed.count, disputed.oldest),
            "issued": (issued.count, issued.oldest)}


def _forward_counts(stmt):
    return stmt.with_only_columns(sa.func.count(FORWARD.key).filter(ready_for_finance()),
                                  sa.func.count(FORWARD.key))


def forward_by_rep(now: datetime) -> dict[str, list[int]]:
    """Per rep (by id, as JSON a snapshot keeps): the claims of their dealers to forward, how
    many ready and how many in all. Readiness asks after every claim's owed parts: thousands
    of claims a rep, too many to ask on every view of the rep's page."""
    rows = db.session.execute(
        _forward_counts(FORWARD.select(WHOLE_VIEW, now))
        .add_columns(Dealer.sales_rep_id).join(Dealer, Dealer.id == Claim.dealer_id)
        .where(Dealer.sales_rep_id.is_not(None)).group_by(Dealer.sales_rep_id))
    return {str(rep_id): [ready, total] for ready, total, rep_id in rows}


def rep_work(user, now: datetime, by_rep: dict | None = None) -> dict:
    """The rep's decided claims waiting to be forwarded: ready ones, and those still waiting for
    old-part verdicts (counts), from ``by_rep`` (``forward_by_rep`` of a moment before) when
    given, else counted now."""
    if by_rep is not None:
        ready, total = by_rep.get(str(user.id), (0, 0))
    else:
        ready, total = db.session.execute(_forward_counts(FORWARD.select(user, now))).one()
    return {"ready": ready, "not_ready": total - ready}
