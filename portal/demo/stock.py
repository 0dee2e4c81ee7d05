"""Demo stock returns: dealers send unsold units back to the factory, each story played
through the stock services on the demo clock.

Ten dealers each ask to return one unit of their unsold stock shipped in the last months:
some units are defective (the maker pays the freight), some were taken apart in the showroom
(the dealer pays the freight and the restoration labour), some cannot be sold for another
reason (the dealer pays the freight). Head office approved and received three of them (one
taken apart, whose restoration fee went onto the dealer's receivable), approved two that are
on their way, refused one, one request was withdrawn, and three wait for a decision. The
older unsold units in the dealers' stock, shipped before the last two tractor seasons, count
as sold (the list at /stock/deemed-sold).
"""

import random
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.dealers.models import Dealer
from portal.demo.claims import Clock, at
from portal.extensions import db
from portal.stock import services
from portal.stock.deemed import deemed_sold
from portal.stock.models import StockReturn, StockReturnReason, StockReturnStatus
from portal.units.cards import WarrantyCard
from portal.units.models import Unit

R = StockReturnReason
# dealer, reason, what becomes of it, days ago requested, days to decide, days to arrive, fee
STORIES = [
    ("SD-JN01", R.DEFECTIVE, "received", 45, 2, 9, None),
    ("SD-WF02", R.DISMANTLED, "received", 38, 3, 10, Decimal("1280.00")),
    ("HA-ZZ01", R.UNSELLABLE, "received", 30, 4, 8, None),
    ("HE-SJ01", R.DISMANTLED, "approved", 12, 2, None, Decimal("960.00")),
    ("JS-XZ01", R.DEFECTIVE, "approved", 8, 1, None, None),
    ("AH-FY01", R.UNSELLABLE, "refused", 20, 3, None, None),
    ("HA-ZK02", R.UNSELLABLE, "cancelled", 15, 1, None, None),
    ("HL-HB01", R.DEFECTIVE, "requested", 3, None, None, None),
    ("JL-CC01", R.DISMANTLED, "requested", 1, None, None, None),
    ("NM-CF01", R.UNSELLABLE, "requested", 5, None, None, None),
]
DESCRIPTIONS = {
    R.DEFECTIVE: "新车入库检查发现变速箱异响，挂挡困难，未曾销售，申请返厂处理。",
    R.DISMANTLED: "展厅展示期间拆下液压泵和仪表总成给客户演示，装回后渗油，无法按新车销售。",
    R.UNSELLABLE: "该型号在本地区已停止推广，库存积压一年以上，申请调回工厂。",
}
NOTES = {
    "approved": "同意返厂，请随下一趟回程车发回。",
    "refused": "该机外观和性能完好，可以正常销售，请加大推广力度，不予返厂。",
    "cancelled": "客户又订了这台车，撤回申请。",
    "received": "整机已到厂，外观与申请描述一致。",
}
RECENT = 150  # days: the units returned were shipped this recently


def load_stock_returns(today: date, rng: random.Random | None = None) -> None:
    """Play the stock-return stories in time order."""
    rng = rng or random.Random(7)
    clerk = db.session.scalar(sa.select(User).where(User.role == Role.CLERK).order_by(User.id))
    steps = []
    for code, reason, fate, ago, decide, arrive, fee in STORIES:
        dealer = db.session.scalar(sa.select(Dealer).where(Dealer.code == code))
        staff = db.session.scalar(sa.select(User).where(
            User.dealer_id == dealer.id, User.role == Role.DEALER_STAFF).order_by(User.id))
        unit = _stock_unit(dealer, today)
        asked = today - timedelta(days=ago)
        steps += _story(unit, staff, clerk, reason, fate, asked, decide, arrive, fee)
    clock = Clock()
    for day, _order, step in sorted(steps, key=lambda s: (s[0], s[1])):
        with clock.at(at(day, rng)):
            step(clock.now)


def _stock_unit(dealer: Dealer, today: date) -> Unit:
    """A unit of the dealer's unsold stock shipped in the last months."""
    sold = sa.exists().where(WarrantyCard.unit_id == Unit.id)
    unit = db.session.scalar(
        sa.select(Unit).where(Unit.dealer_id == dealer.id, ~sold,
                              Unit.shipped_on >= today - timedelta(days=RECENT))
        .order_by(Unit.shipped_on, Unit.serial))
    if unit is None:
        raise AssertionError(f"no recent unsold unit at {dealer.code}")
    return unit


def _story(unit, staff, clerk, reason, fate, asked, decide, arrive, fee) -> list:
    """The steps of one return: (day, order within the day, step(now))."""
    holder = {}

    def request(now):
        holder["ret"] = services.request_return(unit, reason, DESCRIPTIONS[reason],
                                                actor=staff, now=now)

    def decide_step(now):
        ret = holder["ret"]
        if fate == "refused":
            services.refuse_return(ret, NOTES["refused"], actor=clerk, version=ret.version,
                                   now=now)
        elif fate == "cancelled":
            services.cancel_return(ret, NOTES["cancelled"], actor=staff, version=ret.version)
        else:
            services.approve_return(ret, NOTES["approved"], fee, actor=clerk,
                                    version=ret.version, now=now)

    def receive(now):
        ret = holder["ret"]
        services.receive_return(ret, NOTES["received"], actor=clerk, version=ret.version,
                                now=now)

    steps = [(asked, 0, request)]
    if decide is not None:
        steps.append((asked + timedelta(days=decide), 1, decide_step))
    if arrive is not None:
        steps.append((asked + timedelta(days=decide + arrive), 2, receive))
    return steps


def summary(today: date) -> str:
    """What the stock stories left, for the seed's closing line."""
    states = Counter(db.session.scalars(sa.select(StockReturn.status)))
    deemed = len(deemed_sold(None, today))
    return (f"{sum(states.values())} stock returns ("
            + ", ".join(f"{s.value} {states[s]}" for s in StockReturnStatus)
            + f"), {deemed} units deemed sold")
