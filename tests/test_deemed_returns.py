"""A unit deemed sold is treated as sold by its dealer (seed 003, 篇十五 二.9): it can no longer be
sent back as stock, and nothing is posted for it; a return asked for in time goes on."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.catalog.models import ModelCategory, Season, SeasonKind
from portal.core.db import clock_at
from portal.core.errors import DomainError
from portal.finance.models import LedgerEntry
from portal.stock import deemed, services
from portal.stock.access import can_request_return
from portal.stock.models import StockReturn, StockReturnReason, StockReturnStatus
from tests import factories

SPRING_END, AUTUMN_END = date(2026, 6, 15), date(2026, 11, 15)
AFTER = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # both seasons over
BETWEEN = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)  # spring over, autumn running


@pytest.fixture(autouse=True)
def english(app):
    with force_locale("en"):
        yield


@pytest.fixture
def unit(world, db):
    for name, start, end in (("2026春", date(2026, 3, 10), SPRING_END),
                             ("2026秋", date(2026, 9, 15), AUTUMN_END)):
        db.session.add(Season(name=name, kind=SeasonKind.OPERATING, start_on=start, end_on=end,
                              categories=["tractor_large"], provinces=[]))
    unit = factories.make_unit(dealer=world.dealer_a, shipped_on=date(2026, 2, 1),
                               model=factories.make_model(category=ModelCategory.TRACTOR_LARGE))
    db.session.flush()
    return unit


def _ask(world, unit, now):
    return services.request_return(unit, StockReturnReason.UNSELLABLE, "积压", now=now,
                                   actor=world.users[Role.DEALER_STAFF])


def test_a_unit_deemed_sold_can_no_longer_go_back_as_stock(world, unit, db):
    assert deemed.sold_on(unit, AFTER.date()) == AUTUMN_END
    assert deemed.sold_on(unit, BETWEEN.date()) is None
    with pytest.raises(DomainError) as refused:
        _ask(world, unit, AFTER)
    assert "counts as sold since 2026-11-15" in str(refused.value.message)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StockReturn)) == 0
    assert services.stock_problem(unit, world.dealer_a.id, AFTER.date()) is not None
    assert services.stock_problem(unit, world.dealer_a.id, BETWEEN.date()) is None


def test_the_unit_page_button_follows_the_same_rule(world, unit, db):
    dealer_user = world.users[Role.DEALER_STAFF]
    with clock_at(BETWEEN):
        assert can_request_return(unit, dealer_user)
    with clock_at(AFTER):
        assert not can_request_return(unit, dealer_user)


def test_a_return_asked_for_in_time_goes_on_and_posts_nothing(world, unit, db):
    ret = _ask(world, unit, BETWEEN)
    clerk = world.users[Role.CLERK]
    services.approve_return(ret, "", actor=clerk, version=ret.version,
                            now=BETWEEN + timedelta(days=2))
    assert not deemed.deemed_sold(None, AFTER.date())  # an open return keeps it out
    services.receive_return(ret, "", actor=clerk, version=ret.version, now=AFTER)
    assert ret.status == StockReturnStatus.RECEIVED and unit.dealer_id is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == 0
