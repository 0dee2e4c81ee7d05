"""The claims' work queues (``portal.core.queues``): claims to decide, rules-approved samples
to review, a dealer's repair records not yet submitted; and the technical department's figures
a snapshot keeps."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.accounts.roles import WHOLE_VIEW
from portal.claims.access import can_decide_claims, can_file_claims
from portal.claims.models import DECIDED, OPEN_FOR_REVIEW, Claim, ClaimStatus
from portal.claims.scope import visible_claims
from portal.core.queues import Queue
from portal.extensions import db
from portal.units.models import Unit

REVIEW = Queue(
    "review", _l("Claims to decide"), can_decide_claims, visible_claims,
    lambda user, now: (Claim.status.in_(OPEN_FOR_REVIEW),), Claim.submitted_at, Claim.id,
    "claims.index", args={"status": "review"})
SAMPLES = Queue(
    "samples", _l("Rules-approved samples to review"), can_decide_claims,
    visible_claims,
    lambda user, now: (Claim.status == ClaimStatus.APPROVED, Claim.sampled,
                 Claim.sample_reviewed_at.is_(None)),
    Claim.decided_at, Claim.id, "claims.index", order=Claim.id,
    args={"status": "approved", "sample": "1"})
DRAFTS = Queue(
    "drafts", _l("Repair records not yet submitted"), can_file_claims, visible_claims,
    lambda user, now: (Claim.status == ClaimStatus.DRAFT, Claim.filed_by_head_office.is_(False)),
    Claim.created_at, Claim.id,
    "claims.index", order=Claim.id, args={"status": "draft"})


def review_counts(now: datetime) -> dict:
    """The technical department's queue as JSON a snapshot keeps (``review_queue``): tens of
    thousands of claims wait, too many to count on every view."""
    waiting, samples = REVIEW.pile(WHOLE_VIEW, now), SAMPLES.pile(WHOLE_VIEW, now)
    return {"waiting": waiting.count, "oldest": waiting.oldest and waiting.oldest.isoformat(),
            "samples": samples.count}


def review_queue(counts: dict) -> dict:
    """The technical department's queue from ``review_counts``: how many wait, the oldest,
    samples to review."""
    oldest = counts["oldest"]
    return {**counts, "oldest": oldest and datetime.fromisoformat(oldest)}


def rules_share(now: datetime, days: int = 90) -> dict:
    """Of the claims decided in the last ``days`` days, how many the rules decided alone."""
    decided, by_rules = db.session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(Claim.decided_by_rules))
        .where(Claim.status.in_(DECIDED), Claim.decided_at >= now - timedelta(days=days))).one()
    return {"days": days, "decided": decided, "by_rules": by_rules,
            "percent": round(100 * by_rules / decided) if decided else None}


def dealer_drafts(user, now: datetime, limit: int = 20) -> tuple[list[sa.Row], int]:
    """The first ``limit`` of ``user``'s dealer's repair records not yet submitted (id,
    number, unit serial, failure date), and how many there are: counted only when the list is
    full (fewer listed are all of them)."""
    rows = db.session.execute(
        DRAFTS.ordered(user, now).with_only_columns(Claim.id, Claim.number, Unit.serial,
                                                    Claim.failure_date)
        .join(Unit, Unit.id == Claim.unit_id).limit(limit)).all()
    return rows, len(rows) if len(rows) < limit else DRAFTS.pile(user, now).count
