"""Units deemed sold: neither sold nor returned after two operating seasons (DOMAIN.md).

The maker's scheme (seed 003, 篇十五 二.9): 两个作业期结束，产品无法销售又不退货的，公司视同经销商
已经销售. The dealer is treated as having sold the unit: it can no longer be sent back as stock
(``stock_problem`` in ``portal/stock/services.py`` refuses the request; a return asked for in
time goes on), and the goods invoice the ERP posted when the unit was shipped stays on the
dealer's receivable for good. The portal posts nothing for it: no return charge, no credit.

A season counts for a unit when it started on or after the day the unit was shipped, has
ended before today, is an operating season, covers the unit's model category, and covers the
dealer's province (a season naming no province covers them all). The unit counts as sold on
the last day of the second such season. Seasons are few: they are loaded once and matched in
Python against one query of candidate units; for the dealer's page, which counts the units one
season away, the same rule becomes windows of shipping days the database filters by.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.catalog.models import ProductModel, Season, SeasonKind
from portal.dealers.models import Dealer
from portal.extensions import db
from portal.stock.models import OPEN_RETURN, StockReturn
from portal.units.cards import CardStatus, WarrantyCard
from portal.units.models import Unit

SEASONS_TO_SELL = 2


@dataclass
class StockAge:
    unit: Unit
    dealer: Dealer
    shipped_on: date
    seasons: list[Season]  # the seasons that count, in the order they ended
    next_season: Season | None = None  # the next one that would count, if known

    @property
    def sold_on(self) -> date | None:
        """The day the unit counts as sold: the end of its second season."""
        if len(self.seasons) >= SEASONS_TO_SELL:
            return self.seasons[SEASONS_TO_SELL - 1].end_on
        return None


def operating_seasons() -> list[Season]:
    """Every operating season, in the order they end."""
    return list(db.session.scalars(sa.select(Season).where(Season.kind == SeasonKind.OPERATING)
                                   .order_by(Season.end_on, Season.start_on, Season.id)))


def applies(season: Season, category, province: str, shipped_on: date) -> bool:
    """Whether ``season`` counts for a unit of this category at a dealer in this province."""
    return season.start_on >= shipped_on and season.covers(category, province)


def _unsold(columns, dealer_ids, after_serial: str | None):
    in_force = sa.exists().where(WarrantyCard.unit_id == Unit.id,
                                 WarrantyCard.status != CardStatus.VOID)
    # A unit received back has left the dealer's stock (no dealer); shipped again, it counts
    # afresh from its new shipping day, whatever its old return.
    returning = sa.exists().where(StockReturn.unit_id == Unit.id,
                                  StockReturn.status.in_(OPEN_RETURN))
    stmt = (sa.select(*columns)
            .join(ProductModel, ProductModel.id == Unit.model_id)
            .join(Dealer, Dealer.id == Unit.dealer_id)
            .where(Unit.shipped_on.is_not(None), ~in_force, ~returning)
            .order_by(Unit.serial))
    if dealer_ids is not None:
        stmt = stmt.where(Unit.dealer_id.in_(dealer_ids))
    if after_serial:
        stmt = stmt.where(Unit.serial > after_serial)
    return stmt


def unsold_stock(dealer_ids=None, *, after_serial: str | None = None):
    """A SELECT of units at a dealer, unsold and not in a return, with their category and
    the dealer's province; ``dealer_ids`` (ids or a subquery) limits the dealers."""
    return _unsold((Unit, ProductModel.category, Dealer.province), dealer_ids, after_serial
                   ).options(selectinload(Unit.model), selectinload(Unit.dealer))


def _ages(today: date, seasons: list[Season] | None = None):
    """A function of (category, province, shipped_on): the operating seasons that count for
    such a unit (ended by ``today``) and the next one that would. Seasons are matched to a
    category and province once, not once per unit."""
    seasons = operating_seasons() if seasons is None else seasons
    ended = {s.id for s in seasons if s.end_on < today}
    of_kind = {}

    def age(category, province, shipped_on: date) -> tuple[list[Season], Season | None]:
        if (category, province) not in of_kind:
            of_kind[category, province] = [
                s for s in seasons if applies(s, category, province, date.min)]
        fits = [s for s in of_kind[category, province] if s.start_on >= shipped_on]
        return [s for s in fits if s.id in ended], next(
            (s for s in fits if s.id not in ended), None)
    return age


def stock_ages(dealer_ids, today: date, *, after_serial: str | None = None) -> list[StockAge]:
    """How many seasons each unsold unit has sat through (in serial order)."""
    age = _ages(today)
    ages = []
    for unit, category, province in db.session.execute(
            unsold_stock(dealer_ids, after_serial=after_serial)):
        counted, upcoming = age(category, province, unit.shipped_on)
        ages.append(StockAge(unit, unit.dealer, unit.shipped_on, counted, upcoming))
    return ages


def sold_on(unit: Unit, today: date) -> date | None:
    """The day this unit of a dealer's unsold stock came to count as sold, if two seasons that
    count for it have ended by ``today`` (None otherwise). The caller has already seen that the
    unit has no card in force and is in no open return, as ``unsold_stock`` filters."""
    if unit.dealer is None or unit.shipped_on is None:
        return None
    counted, _next = _ages(today)(unit.model.category, unit.dealer.province, unit.shipped_on)
    return StockAge(unit, unit.dealer, unit.shipped_on, counted).sold_on


def deemed_sold(dealer_ids, today: date, *, after_serial: str | None = None) -> list[StockAge]:
    """The units that count as sold today: two seasons that count have ended."""
    return [a for a in stock_ages(dealer_ids, today, after_serial=after_serial)
            if len(a.seasons) >= SEASONS_TO_SELL]


def nearly_sold(dealer_ids, today: date) -> list[StockAge]:
    """The units one season away from counting as sold (next_season says which, if known)."""
    return [a for a in stock_ages(dealer_ids, today) if len(a.seasons) == SEASONS_TO_SELL - 1]


def _window(seasons: list[Season], ended: int) -> tuple[date | None, date] | None:
    """The shipping days (after, up_to] for which exactly ``ended`` of these ended seasons
    count (those starting on or after the shipping day); None if no day gives that many."""
    starts = sorted((s.start_on for s in seasons), reverse=True)
    if ended < 1 or len(starts) < ended:
        return None
    after = starts[ended] if len(starts) > ended else None
    if after is not None and after >= starts[ended - 1]:
        return None
    return after, starts[ended - 1]


def _nearly_windows(seasons: list[Season], dealer_ids, today: date,
                    provinces: list[str] | None = None) -> dict:
    """{(after, up_to): {province: [category, …]}}: for units of these categories at dealers
    in that province, the shipping days one ended season away from counting as sold."""
    ended = [s for s in seasons if s.end_on < today]
    categories = sorted({c for s in ended for c in (s.categories or [])})
    if provinces is None:
        provinces = sa.select(Dealer.province).distinct()
        if dealer_ids is not None:
            provinces = provinces.where(Dealer.id.in_(dealer_ids))
        provinces = db.session.scalars(provinces)
    windows = defaultdict(lambda: defaultdict(list))
    for province in dict.fromkeys(provinces):
        for category in categories:
            window = _window([s for s in ended if applies(s, category, province, date.min)],
                             SEASONS_TO_SELL - 1)
            if window is not None:
                windows[window][province].append(category)
    return windows


def _shipped(after: date | None, up_to: date):
    return sa.and_(Unit.shipped_on <= up_to,
                   *([Unit.shipped_on > after] if after is not None else []))


def _nearly_condition(seasons: list[Season], dealer_ids, today: date,
                      provinces: list[str] | None = None):
    """A WHERE clause over ``_unsold``'s columns: the unit is one season away from counting
    as sold. ``applies`` turned into windows of shipping days (the seasons and the dealers'
    provinces are few, the units many), and the span of all windows besides, which the index
    on (dealer, shipping day) answers."""
    windows = _nearly_windows(seasons, dealer_ids, today, provinces)
    if not windows:
        return sa.false()
    afters = [after for after, _up_to in windows]
    # One window is its own span (said once: a smaller statement to build and key).
    span = _shipped(None if None in afters else min(afters), max(up for _, up in windows)
                    ) if len(windows) > 1 else sa.true()
    return sa.and_(span, sa.or_(*(
        sa.and_(_shipped(*window), sa.or_(*(
            sa.and_(Dealer.province == province, ProductModel.category.in_(categories))
            for province, categories in by_province.items())))
        for window, by_province in windows.items())))


def nearly_sold_first(dealer_ids, today: date, first: int,
                      provinces: list[str] | None = None) -> tuple[int, list[StockAge]]:
    """How many units are one season away from counting as sold, and the first ``first`` of
    them (``nearly_sold``'s, in serial order): a dealer holds hundreds of unsold units, so the
    database counts them (beside the listed ones, in the same pass) and reads only those.
    The listed units are rows of what the page shows of them (id, serial, shipping day), not
    records: ``StockAge.unit`` is that row and ``dealer`` is None. ``provinces``: the dealers'
    provinces, when the caller has them loaded (else they are read)."""
    seasons = operating_seasons()
    # Counted in a sub-select, ordered and cut outside it: asked for the first rows of a
    # count(*) OVER () in serial order, PostgreSQL (15) walks all the dealer's units by serial
    # (12,000 for the largest dealer: 12–16 ms) as if the first rows came without the count;
    # ordered outside, it reads the dealer's units without that order (5–8 ms). SQLite plans
    # both alike, through the index on (dealer, shipping day).
    counted = (_unsold((Unit.id, Unit.serial, Unit.shipped_on, ProductModel.category,
                        Dealer.province), dealer_ids, None)
               .where(_nearly_condition(seasons, dealer_ids, today, provinces))
               .add_columns(sa.func.count().over().label("counted")).order_by(None).subquery())
    rows = db.session.execute(sa.select(counted).order_by(counted.c.serial)
                              .limit(max(first, 1))).all()
    if not rows:
        return 0, []
    age = _ages(today, seasons)
    listed = []
    for row in rows[:first]:
        counted, upcoming = age(row.category, row.province, row.shipped_on)
        listed.append(StockAge(row, None, row.shipped_on, counted, upcoming))
    return rows[0][-1], listed
