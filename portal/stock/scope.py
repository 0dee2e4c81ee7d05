"""What each user may see of stock returns: those of the dealers they may see."""

import sqlalchemy as sa

from portal.dealers.scope import scope
from portal.extensions import db
from portal.stock.models import StockReturn


def visible_returns(user):
    """A SELECT of the stock returns ``user`` may see."""
    return scope(sa.select(StockReturn), StockReturn.dealer_id, user)


def get_return(return_id: int, user) -> StockReturn:
    """The return if ``user`` may see it; 404 otherwise (never reveal that it exists)."""
    return db.first_or_404(visible_returns(user).where(StockReturn.id == return_id))
