"""Scoping helpers of the stock pages and the stock boxes on the home pages."""

from datetime import datetime

from portal.core.queues import day_of, piles
from portal.dealers.scope import get_dealer, visible_dealer_ids
from portal.extensions import db
from portal.stock.deemed import nearly_sold_first
from portal.stock.models import StockReturn
from portal.stock.queues import OPEN, TO_DECIDE, TO_RECEIVE
from portal.units.models import Unit

NEARLY_LISTED = 10  # units one season away from counting as sold, listed on a dealer's page


def scope_of(user, dealer_id: int | None):
    """The dealers a stock list covers: one the user may see (404 otherwise), or all theirs
    (None: every dealer, for head office)."""
    if dealer_id:
        return [get_dealer(dealer_id, user).id]
    return visible_dealer_ids(user)


def head_office_box(user, now: datetime) -> dict:
    """Returns waiting for a decision, and approved returns not yet received: each count,
    oldest and the list it links to."""
    shown = {"requested": TO_DECIDE, "approved": TO_RECEIVE}
    found = piles(list(shown.values()), user, now)
    return {name: {"count": pile.count, "oldest": pile.oldest, "url": queue.url()}
            for (name, queue), pile in zip(shown.items(), found, strict=True)}


def dealer_box(user, now: datetime) -> dict:
    """A dealer's open returns (rows: id, number, serial, status) and the units one season
    away from counting as sold."""
    open_returns = db.session.execute(OPEN.ordered(user, now).with_only_columns(
        StockReturn.id, StockReturn.number, Unit.serial, StockReturn.status)
        .join(Unit, Unit.id == StockReturn.unit_id)).all()
    count, first = nearly_sold_first([user.dealer_id], day_of(now), NEARLY_LISTED,
                                     provinces=[user.dealer.province])
    return {"open": open_returns, "nearly": first, "nearly_count": count}
