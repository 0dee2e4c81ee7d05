"""Grade reviews: the sales branch records what it recommends for a dealer after its scorecard.

Recording a review does not change the dealer's grade: that stays the administrator's dealer
edit, done after the review is accepted.
"""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal.analytics.access import can_review_grade
from portal.analytics.models import GradeReview, Recommendation
from portal.analytics.scorecards import Period, scorecards
from portal.core.audit import record
from portal.core.errors import DomainError
from portal.dealers.models import Dealer, DealerGrade
from portal.extensions import db

GRADE_ORDER = [DealerGrade.D, DealerGrade.C, DealerGrade.B, DealerGrade.A]  # worst to best


def _check_direction(recommendation: Recommendation, before: DealerGrade,
                     proposed: DealerGrade) -> None:
    step = GRADE_ORDER.index(proposed) - GRADE_ORDER.index(before)
    if recommendation == Recommendation.REWARD and step <= 0:
        raise DomainError(_("A reward proposes a grade above the dealer's grade (%(grade)s).",
                            grade=before.title), "grade_proposed")
    if recommendation == Recommendation.DOWNGRADE and step >= 0:
        raise DomainError(_("A downgrade proposes a grade below the dealer's grade "
                            "(%(grade)s).", grade=before.title), "grade_proposed")
    if recommendation == Recommendation.KEEP and step != 0:
        raise DomainError(_("Keeping the grade proposes the dealer's grade (%(grade)s).",
                            grade=before.title), "grade_proposed")


def record_grade_review(dealer: Dealer, period: Period, *, recommendation: Recommendation,
                        grade_proposed: DealerGrade, note: str, actor, today: date,
                        now: datetime) -> GradeReview:
    """Record a recommendation with a snapshot of the dealer's scorecard for ``period``."""
    if not can_review_grade(dealer, actor):
        raise DomainError(_("Only the dealer's sales rep, a clerk or an administrator may "
                            "record a grade review."))
    if period.start > period.end:
        raise DomainError(_("The start date is after the end date."), "start")
    _check_direction(recommendation, dealer.grade, grade_proposed)
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Say why: the note is required."), "note")
    card = scorecards(period, today, now, trend=False, dealers=[dealer.id])[0]
    review = GradeReview(dealer=dealer, period_start=period.start, period_end=period.end,
                         recommendation=recommendation, grade_before=dealer.grade,
                         grade_proposed=grade_proposed, score=card.score,
                         figures={**card.figures.snapshot(), "rank": card.rank}, note=note,
                         created_by=actor)
    db.session.add(review)
    record("grade_review", review, actor=actor, from_state=dealer.grade,
           to_state=grade_proposed, reason=note,
           changes={"recommendation": (None, recommendation), "score": (None, card.score)})
    return review


def reviews_query(dealer_ids=None):
    """Grade reviews with their dealer and author; ``dealer_ids`` (a list or subquery) narrows
    them. Unordered: the caller orders or pages."""
    stmt = sa.select(GradeReview).options(joinedload(GradeReview.dealer),
                                          joinedload(GradeReview.created_by))
    if dealer_ids is not None:
        stmt = stmt.where(GradeReview.dealer_id.in_(dealer_ids))
    return stmt
