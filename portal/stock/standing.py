"""Where a unit stands in its dealer's stock: the one definition the units list, its filter and
the unit page use.

- sold: it has a warranty card in force (the sale is recorded, filed or not);
- gone: it left the dealer or is leaving: in a stock return not yet received, or back at the
  factory after a stock return or an exchange or refund (its card void);
- factory: never shipped to a dealer;
- in stock: with its dealer, unsold: what the dealer sells from.

A unit back at the factory has no dealer, so it falls out of its former dealer's scope (it may
be shipped to another dealer, whose record it then is): a dealer's "gone" lists its units in a
stock return not yet received; head office sees every one.
"""

from functools import cache

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.core.enums import TitledEnum
from portal.extensions import db
from portal.stock.models import OPEN_RETURN, StockReturn, StockReturnStatus
from portal.units.cards import CardStatus, WarrantyCard
from portal.units.models import Unit


class Standing(TitledEnum):
    IN_STOCK = "in_stock", _l("In stock")
    SOLD = "sold", _l("Sold")
    GONE = "gone", _l("Gone from the dealer")
    FACTORY = "factory", _l("At the factory")


def _card(*statuses):
    return sa.exists().where(WarrantyCard.unit_id == Unit.id, WarrantyCard.status.in_(statuses))


def _returns(*statuses):
    return sa.exists().where(StockReturn.unit_id == Unit.id, StockReturn.status.in_(statuses))


def _branches():
    """(condition, standing) in order: the first that holds decides; none: in stock."""
    back = sa.or_(_returns(StockReturnStatus.RECEIVED), _card(CardStatus.VOID))
    return [(_card(CardStatus.DRAFT, CardStatus.FILED), Standing.SOLD),
            (_returns(*OPEN_RETURN), Standing.GONE),
            (sa.and_(Unit.dealer_id.is_(None), back), Standing.GONE),
            (Unit.dealer_id.is_(None), Standing.FACTORY)]


def standing_expr():
    """The unit's standing as an SQL expression over ``Unit`` (each branch an indexed EXISTS on
    ``unit_id``, or the unit's own dealer)."""
    return sa.case(*((cond, standing.value) for cond, standing in _branches()),
                   else_=Standing.IN_STOCK.value)


def is_standing(standing: Standing):
    """The same rule as a WHERE clause (``standing_expr() = :value`` would hide the EXISTS
    from the planner): a branch of that standing holds and no earlier one does."""
    found, earlier = [], []
    for cond, value in _branches():
        if value == standing:
            found.append(sa.and_(cond, *(sa.not_(e) for e in earlier)))
        earlier.append(cond)
    if standing == Standing.IN_STOCK:
        found.append(sa.and_(*(sa.not_(e) for e in earlier)))
    return sa.or_(*found)


def with_standing(stmt, standing: "Standing | None"):
    """Narrow a SELECT of units to those of one standing (None: all)."""
    return stmt if standing is None else stmt.where(is_standing(standing))


@cache
def _standings_select():
    """SELECT id, standing of the units ``:ids``, built once (it is the same every time)."""
    return sa.select(Unit.id, standing_expr()).where(
        Unit.id.in_(sa.bindparam("ids", expanding=True)))


def standings(unit_ids) -> dict[int, Standing]:
    """The standing of each unit, in one query (a list page's units)."""
    if not unit_ids:
        return {}
    rows = db.session.execute(_standings_select(), {"ids": list(unit_ids)})
    return {unit_id: Standing(value) for unit_id, value in rows}
