"""What waits for finance and for a sales rep: counts and the oldest item, for their home pages,
read from the finance track's queues (``portal.finance.queues``)."""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from portal.accounts.roles import WHOLE_VIEW
from portal.claims.models import Claim, FinanceStage
from portal.core.queues import piles
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


def rep_work(user, now: datetime) -> dict:
    """The rep's decided claims waiting to be forwarded: ready ones, and those still waiting for
    old-part verdicts (counts), counted now: a rep forwards a claim the moment its verdict is
    given, so the page may not wait for a snapshot. ``count(*)``, not of the claims' ids: the
    id is not in ``ix_claims_to_forward``, and counting it made PostgreSQL read each claim's
    row (11.9 → 2.9 ms for the rep with 20 dealers at the benchmark's scale 1.0)."""
    ready, total = db.session.execute(FORWARD.select(user, now).with_only_columns(
        sa.func.count().filter(ready_for_finance()), sa.func.count())).one()
    return {"ready": ready, "not_ready": total - ready}
