"""Claim work waiting for each role, counted in a few indexed queries."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.claims.models import DECIDED, Claim, ClaimStatus
from portal.extensions import db


def review_counts() -> dict:
    """The technical department's queue as JSON a snapshot keeps (``review_queue``): tens of
    thousands of claims wait, too many to count on every view."""
    waiting, oldest = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(Claim.submitted_at))
        .where(Claim.status.in_((ClaimStatus.SUBMITTED, ClaimStatus.UNDER_REVIEW)))).one()
    samples = db.session.scalar(
        sa.select(sa.func.count()).select_from(Claim)
        .where(Claim.status == ClaimStatus.APPROVED, Claim.sampled,
               Claim.sample_reviewed_at.is_(None)))
    return {"waiting": waiting, "oldest": oldest and oldest.isoformat(), "samples": samples}


def review_queue(counts: dict | None = None) -> dict:
    """The technical department's queue: how many wait, the oldest, samples to review (from
    ``counts``, ``review_counts`` of a moment before, when given; else counted now)."""
    counts = counts if counts is not None else review_counts()
    oldest = counts["oldest"]
    return {**counts, "oldest": oldest and datetime.fromisoformat(oldest)}


def rules_share(now: datetime, days: int = 90) -> dict:
    """Of the claims decided in the last ``days`` days, how many the rules decided alone."""
    decided, by_rules = db.session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(Claim.decided_by_rules))
        .where(Claim.status.in_(DECIDED), Claim.decided_at >= now - timedelta(days=days))).one()
    return {"days": days, "decided": decided, "by_rules": by_rules,
            "percent": round(100 * by_rules / decided) if decided else None}


def dealer_drafts(dealer_id: int, limit: int = 20) -> list[Claim]:
    """A dealer's repair records not yet submitted (including those sent back), oldest first."""
    return db.session.scalars(
        sa.select(Claim).where(Claim.dealer_id == dealer_id, Claim.status == ClaimStatus.DRAFT)
        .options(selectinload(Claim.unit)).order_by(Claim.id).limit(limit)).all()
