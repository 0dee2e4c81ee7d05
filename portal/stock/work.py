"""Scoping helpers of the stock pages and the stock boxes on the home pages."""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.dealers.scope import dealer_choices as all_dealer_choices
from portal.dealers.scope import get_dealer, visible_dealer_ids
from portal.extensions import db
from portal.stock.deemed import nearly_sold_first
from portal.stock.models import OPEN_RETURN, StockReturn, StockReturnStatus
from portal.stock.scope import visible_returns

NEARLY_LISTED = 10  # units one season away from counting as sold, listed on a dealer's page


def scope_of(user, dealer_id: int | None):
    """The dealers a stock list covers: one the user may see (404 otherwise), or all theirs
    (None: every dealer, for head office)."""
    if dealer_id:
        return [get_dealer(dealer_id, user).id]
    return visible_dealer_ids(user)


def dealer_choices():
    """The dealers this user may filter by."""
    from flask_login import current_user

    if current_user.role.is_dealer:
        return []
    return all_dealer_choices(current_user)


@dataclass
class Waiting:
    count: int
    oldest: datetime | None


def _waiting(user, status: StockReturnStatus, since) -> Waiting:
    stmt = visible_returns(user).where(StockReturn.status == status).with_only_columns(
        sa.func.count(StockReturn.id), sa.func.min(since))
    count, oldest = db.session.execute(stmt).one()
    return Waiting(count, oldest)


def head_office_box(user) -> dict:
    """Returns waiting for a decision, and approved returns not yet received."""
    return {"requested": _waiting(user, StockReturnStatus.REQUESTED, StockReturn.requested_at),
            "approved": _waiting(user, StockReturnStatus.APPROVED, StockReturn.decided_at)}


def dealer_box(dealer_id: int, today: date) -> dict:
    """A dealer's open returns and the units one season away from counting as sold."""
    open_returns = db.session.scalars(
        sa.select(StockReturn).where(StockReturn.dealer_id == dealer_id,
                                     StockReturn.status.in_(OPEN_RETURN))
        .options(selectinload(StockReturn.unit)).order_by(StockReturn.requested_at)).all()
    count, first = nearly_sold_first([dealer_id], today, NEARLY_LISTED)
    return {"open": open_returns, "nearly": first, "nearly_count": count}


