"""Demo grade reviews: rep_li reviews the last six months of the dealers he looks after."""

from datetime import datetime

import sqlalchemy as sa

from portal.accounts.models import User
from portal.analytics.models import Recommendation
from portal.analytics.reviews import GRADE_ORDER, record_grade_review
from portal.analytics.scorecards import months_back, scorecards
from portal.dealers.models import Dealer
from portal.extensions import db


def _step(grade, by: int):
    index = min(max(GRADE_ORDER.index(grade) + by, 0), len(GRADE_ORDER) - 1)
    return GRADE_ORDER[index]


def load_grade_reviews(today, now: datetime) -> int:
    """A downgrade for rep_li's worst-scoring dealer and a reward for the best (or a keep when
    the grade can go no further); returns how many were recorded."""
    rep = db.session.scalar(sa.select(User).where(User.username == "rep_li"))
    mine = db.session.scalars(sa.select(Dealer.id).where(Dealer.sales_rep_id == rep.id)).all()
    period = months_back(6, today)
    cards = [c for c in scorecards(period, today, now, trend=False, dealers=mine)
             if c.score is not None]
    if len(cards) < 2:
        return 0
    for card, by, note in ((cards[-1], -1, "回执卡迟交、旧件返还超期较多，建议降级并限期整改。"),
                           (cards[0], 1, "各项指标达标，回访满意度高，建议奖励升级。")):
        proposed = _step(card.dealer.grade, by)
        recommendation = (Recommendation.KEEP if proposed == card.dealer.grade
                          else Recommendation.DOWNGRADE if by < 0 else Recommendation.REWARD)
        record_grade_review(card.dealer, period, recommendation=recommendation,
                            grade_proposed=proposed, note=note, actor=rep, today=today, now=now)
    return 2
