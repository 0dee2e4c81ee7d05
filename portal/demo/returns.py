"""Demo old-part returns, played in the same time order as the repair stories.

As the demo clock nears each yearly return date, most dealers ship the parts they owe some days
before it; two dealers often keep some back and send them weeks late. The clerk receives each
shipment a few days after it left, mostly by scanning its labels, finds now and then a part
missing or broken in transit, and reconciles it. A dealer ships its missing parts again, or the
technical department waives them. The technical department then gives its verdict on every
part received, and the clerk empties the stores from time to time.

Eight dealers on the maker's delivery routes do not wait for the return dates (MONTHLY: 济南
SD-JN01, 潍坊 SD-WF02, 长春 JL-CC01, 阜阳 AH-FY01, 石家庄 HE-SJ01, 郑州 HA-ZZ01, 徐州 JS-XZ01
and 周口 HA-ZK02): every thirty days the maker's truck, back from delivering their machines,
brings everything they owe. The clerk receives a load a few days later and the technical
department judges it within days, so their claims reach finance all year round. Their trucks
come on days spread over the month: today one load is on its way, one is being received, the
claims of the next are waiting for their rep, and those of the ones before are with finance.

Nobody is held during the history: late parts go out within the 30 days' grace. Only one
dealer's late courier parcel of the last season never arrived, and was closed as missing a few
days ago: its parts are "not received", and the dealer's new claims are held today (the records
it tried to file since stay drafts). In the last days a few dealers sent the coming season's
parts early: two shipments are being received, two are still on their way.
"""

import itertools
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.claims.models import DECIDED, Decision, RejectCode
from portal.dealers.models import Dealer
from portal.demo.claims import Demo, Storyline, at
from portal.extensions import db
from portal.returns import receipt, stores
from portal.returns.models import (
    Destination,
    OwedPart,
    OwedStatus,
    Receipt,
    ReturnShipment,
    ShipmentStatus,
    ShipMethod,
    StoreItem,
    StoreState,
    Verdict,
)
from portal.returns.owed import hold_reason, return_dates, waive
from portal.returns.shipments import MAX_PARTS, create_shipment
from portal.returns.verdicts import adjudicate

HELD_DEALER = "HB-XY01"  # its lost parcel leaves parts long overdue: its new claims are held
SLOPPY = {"XJ-CJ01": 0.8, "HA-ZK02": 0.6}  # how often they keep some parts back past the date
NEARBY = {"SD-JN01", "HB-XY01"}  # bring their parts to head office themselves
# Their parts go back by the maker's truck every TRUCK_DAYS: days from its latest load to today.
MONTHLY = {"SD-JN01": 1, "SD-WF02": 4, "JL-CC01": 7, "AH-FY01": 10, "HE-SJ01": 13,
           "HA-ZZ01": 16, "JS-XZ01": 20, "HA-ZK02": 25}
TRUCK_DAYS = 30
FAR = {"XJ-CJ01", "HL-HB01", "JL-CC01", "NM-CF01"}  # send their season's parts by courier
EARLY = 12  # days: the coming season's parts, sent early by a few dealers of late
MISSING_SHARE, DAMAGED_SHARE = 0.04, 0.04  # of the parts in a dealer's main shipment
RESHIP_SHARE = 0.6  # a missing part is found and sent again; else its return is waived
DISPATCH_AT = 6  # parts of one supplier gathered before they are sent to it
JUDGE_PACE = (2, 5)  # parts the technical department examines a day
JUDGE_TRUCK, JUDGE_SEASON = (1, 5), (3, 20)  # days from reconciling to the first verdict
WATCH_DAYS, WATCH_LATE = 7, 20  # how often parts forgotten past their date are looked for

COURIERS = [("SF", 12), ("ZT75", 10), ("YT", 13), ("JDVA", 11)]
MISSING_NOTES = ["箱内未见此件，装箱单上有", "包装内只有配件包装盒，没有旧件", "与装箱单核对缺此件"]
DAMAGED_NOTES = ["外包装破损，壳体在运输中摔裂", "木箱散架，零件磕伤，标签尚可扫描",
                 "包装受潮，零件锈蚀严重"]
LOST = "快递公司确认包裹在途丢失，经销商未能补寄"
WAIVE_MISSING = ["快递丢件，经销商已提供运单和快递公司证明，免于返还",
                 "客户拒绝交回旧件，经销商已书面说明，经业务员核实免返",
                 "旧件在经销商处被误当废品处理，已作情况说明，本次免返"]
WAIVE_LATE = ["秋收农忙期间回运车辆延误，业务员已确认，迟返免责",
              "返件日前已装车，因道路封闭延误到货，免于追究"]
NOT_RECEIVED = "返件日后逾期未收到旧件，三包费用不予结算"
CAUSES = {
    Verdict.QUALITY_FAULT: ["铸造砂眼导致渗漏", "材料疲劳开裂", "热处理不良，磨损超差",
                            "装配不当导致早期损坏", "密封件老化失效", "焊缝开裂"],
    Verdict.MISUSE: ["超负荷作业导致断裂", "缺油运转，烧蚀痕迹明显", "未按规定保养，进水锈蚀"],
    Verdict.NOT_WARRANTY_PART: ["易损件已超出三包期", "非本厂配套件，无三包责任"],
    Verdict.WRONG_PART: ["返回件型号与索赔件不符", "返回件为旧品拆件，非本次更换件"],
    Verdict.NO_DEFECT: ["台架检测正常，未发现故障", "拆检未见异常，可再利用"],
}
REJECTED_VERDICTS = {RejectCode.MISUSE: Verdict.MISUSE, RejectCode.USER_DAMAGE: Verdict.MISUSE,
                     RejectCode.MODIFICATION: Verdict.MISUSE,
                     RejectCode.NO_DEFECT: Verdict.NO_DEFECT}
PLACES = {Verdict.MISUSE: [Destination.SCRAP], Verdict.NOT_WARRANTY_PART: [Destination.SCRAP],
          Verdict.WRONG_PART: [Destination.SCRAP, Destination.REUSABLE],
          Verdict.NO_DEFECT: [Destination.REUSABLE]}


@dataclass
class Returns(Storyline):
    demo: Demo
    rng: random.Random
    clerk: User
    lost: ReturnShipment | None = None
    numbers: itertools.count = field(default_factory=lambda: itertools.count(1_000_000))

    @property
    def today(self) -> date:
        return self.demo.clock.today


def return_stories(demo: Demo, today: date) -> list:
    """The return seasons of every dealer, the monthly trucks of some, the early shipments of
    the last days, the weekly look for forgotten parts, the lost parcel's close-out and the
    store clearances."""
    rng = random.Random(2030)  # the repair stories keep their own draws
    clerk = db.session.scalar(sa.select(User).where(User.role == Role.CLERK).order_by(User.id))
    r = Returns(demo, rng, clerk)
    first = today - timedelta(days=760)
    dates = [d for year in range(first.year, today.year + 2)
             for d in return_dates(year, demo.tables[0]) if d > first]
    passed = [d for d in dates if d < today]
    coming = min(d for d in dates if d >= today)
    lost_on = max((d for d in passed if d + timedelta(days=45) < today), default=None)
    dealers = db.session.scalars(sa.select(Dealer).where(Dealer.id.in_(list(demo.staff)))
                                 .order_by(Dealer.id)).all()
    stories = []
    for dealer in dealers:
        for due in [*passed, coming]:
            lost = dealer.code == HELD_DEALER and due == lost_on
            stories.append((at(due - timedelta(days=30), rng), next(r.numbers),
                            _season(r, dealer, due, lost)))
        if dealer.code in MONTHLY:
            trips = [today - timedelta(days=MONTHLY[dealer.code] + n * TRUCK_DAYS)
                     for n in range(30)]
            stories.append((at(first, rng), next(r.numbers),
                            _monthly(r, dealer, sorted(d for d in trips if d > first))))
    # Two early shipments reconciled; two arrived on the last working day and are half
    # scanned; two left in the last days and are still on their way.
    last, ago = _weekday(today - timedelta(days=1)), lambda n: today - timedelta(days=n)
    for shipped, arrives in ((ago(EARLY), ago(EARLY - 2)), (ago(8), ago(6)),
                             (last - timedelta(days=3), last), (last - timedelta(days=2), last),
                             (last - timedelta(days=1), ago(-1)), (last, ago(-2))):
        stories.append((at(shipped, rng), next(r.numbers), _early(r, arrives)))
    stories.append((at(first, rng), next(r.numbers), _watch(r)))
    stories.append((at(passed[0] + timedelta(days=60), rng), next(r.numbers), _clear_stores(r)))
    if lost_on is not None:
        stories.append((at(_weekday(today - timedelta(days=4)), rng), next(r.numbers),
                        _close_lost(r)))
    return stories


def _weekday(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


# ---------------------------------------------------------------- the dealer ships


def _owed(dealer_id: int, due: date, statuses=(OwedStatus.OWED,)) -> list[OwedPart]:
    return db.session.scalars(sa.select(OwedPart).where(
        OwedPart.dealer_id == dealer_id, OwedPart.status.in_(statuses), OwedPart.due_on <= due)
        .order_by(OwedPart.due_on, OwedPart.id)).all()


def _ship(r: Returns, dealer: Dealer, parts: list[OwedPart], *, courier: bool = False,
          truck: bool = False, receive: bool = True, troubles: bool = False,
          transit: int | None = None):
    """The dealer's staff pack the parts and send them; the clerk receives them later."""
    if not parts:
        return None
    rng = r.rng
    if truck:
        method = ShipMethod.TRUCK
    elif courier or dealer.code in FAR:
        method = ShipMethod.COURIER
    elif dealer.code in NEARBY:
        method = rng.choice([ShipMethod.IN_PERSON, ShipMethod.IN_PERSON, ShipMethod.TRUCK])
    else:
        method = rng.choice([ShipMethod.TRUCK, ShipMethod.COURIER])
    prefix, digits = rng.choice(COURIERS)
    waybill = (f"{prefix}{rng.randrange(10 ** (digits - 1), 10 ** digits)}"
               if method == ShipMethod.COURIER else "")
    shipment = create_shipment(dealer, [p.id for p in parts[:MAX_PARTS]], method=method,
                               waybill=waybill, shipped_on=r.today,
                               actor=r.demo.staff[dealer.id], today=r.today)
    if receive:
        if transit is None:
            transit = {ShipMethod.IN_PERSON: 0, ShipMethod.TRUCK: rng.randint(1, 4),
                       ShipMethod.COURIER: rng.randint(2, 5)}[method]
        r.spawn(r.day_at(r.today + timedelta(days=transit)), _receive(r, shipment, troubles, truck))
    return shipment


def _season(r: Returns, dealer: Dealer, due: date, lost: bool):
    """One dealer's return season: the main shipment before the date, the parts it kept back
    (or filed late) some days after it, then its missing parts sent again or waived."""
    rng = r.rng
    yield r.day_at(due - timedelta(days=rng.randint(7, 24)))
    parts = _owed(dealer.id, due)
    kept = []
    if parts and (lost or rng.random() < SLOPPY.get(dealer.code, 0)):
        kept = rng.sample(parts, max(1, round(len(parts) * rng.uniform(0.2, 0.5))))
    _ship(r, dealer, [p for p in parts if p not in kept], troubles=True)
    yield r.day_at(due + timedelta(days=rng.randint(5, 15)))
    late = _ship(r, dealer, _owed(dealer.id, due), courier=lost, receive=not lost)
    if lost and late is not None:
        r.lost = late
    yield r.day_at(due + timedelta(days=rng.randint(21, 25)))
    missing = [p for p in _owed(dealer.id, due, (OwedStatus.MISSING,))
               if r.lost is None or p.shipment_lines[-1].shipment_id != r.lost.id]
    if missing and rng.random() < RESHIP_SHARE:
        _ship(r, dealer, missing)
    elif missing:
        for part in missing:
            waive(part, rng.choice(WAIVE_MISSING), actor=r.demo.tech)


def _monthly(r: Returns, dealer: Dealer, trips: list[date]):
    """On each of its days the maker's delivery truck takes back all the parts the dealer
    owes, whatever their return date."""
    for day in trips:
        yield r.day_at(day)
        _ship(r, dealer, _owed(dealer.id, date.max), truck=True)


def _early(r: Returns, arrives: date):
    """A dealer sends the coming season's parts early, with a returning delivery truck (but
    not those of the last day's repairs); the most recent ones are being received or are
    still on their way."""
    yield r.now
    held = db.session.scalar(sa.select(Dealer.id).where(Dealer.code == HELD_DEALER))
    packed = OwedPart.created_at < r.now - timedelta(days=1)  # the last day's wait
    # A dealer that has not shipped for a while, if there is one; just after a return date
    # every dealer has (then one that has not shipped in the last days, then any): so a load
    # is on its way and one is being received whatever the day.
    for days in (EARLY, 3, 0):
        taken = {s.dealer_id for s in db.session.scalars(sa.select(ReturnShipment).where(
            ReturnShipment.shipped_on >= r.today - timedelta(days=days)))} if days else set()
        counts = db.session.execute(
            sa.select(OwedPart.dealer_id, sa.func.count()).where(
                OwedPart.status == OwedStatus.OWED, packed,
                OwedPart.dealer_id.not_in([*taken, held]))
            .group_by(OwedPart.dealer_id).order_by(sa.func.count().desc(), OwedPart.dealer_id)
        ).all()
        if counts:
            break
    if counts:
        dealer = db.session.get(Dealer, counts[0][0])
        parts = db.session.scalars(sa.select(OwedPart).where(
            OwedPart.dealer_id == dealer.id, OwedPart.status == OwedStatus.OWED, packed)
            .order_by(OwedPart.due_on, OwedPart.id)).all()
        _ship(r, dealer, parts, troubles=True, transit=(arrives - r.today).days)


def _watch(r: Returns):
    """Every week, a dealer that finds a part forgotten past its date sends it after all."""
    while True:
        yield r.now + timedelta(days=WATCH_DAYS)
        forgotten = db.session.scalars(sa.select(OwedPart).where(
            OwedPart.status == OwedStatus.OWED,
            OwedPart.due_on < r.today - timedelta(days=WATCH_LATE))
            .order_by(OwedPart.dealer_id, OwedPart.id)).all()
        for dealer_id, parts in itertools.groupby(forgotten, key=lambda p: p.dealer_id):
            _ship(r, db.session.get(Dealer, dealer_id), list(parts))


# ---------------------------------------------------------------- head office receives


def _receive(r: Returns, shipment: ReturnShipment, troubles: bool, small: bool):
    """The clerk scans the labels as the parts come out of the box, over two sittings; marks a
    part missing or damaged now and then (in the dealer's main shipment); and reconciles. The
    technical department takes a truck's small load up within days, a season's after weeks."""
    rng = r.rng
    lines = list(shipment.lines)
    rng.shuffle(lines)
    half = max(1, len(lines) // 2)
    for sitting, batch in enumerate(b for b in (lines[:half], lines[half:]) if b):
        if sitting:
            yield r.day_at(r.today + timedelta(days=1))  # the rest the next working day
        for line in batch:
            draw = rng.random() if troubles else 1
            if draw < MISSING_SHARE:
                receipt.mark(line, Receipt.MISSING, actor=r.clerk, now=r.now, today=r.today,
                             note=rng.choice(MISSING_NOTES))
            elif draw < MISSING_SHARE + DAMAGED_SHARE:
                receipt.mark(line, Receipt.DAMAGED, actor=r.clerk, now=r.now, today=r.today,
                             note=rng.choice(DAMAGED_NOTES))
            else:
                receipt.receive_scan(shipment, line.owed_part.qr_text, actor=r.clerk,
                                     now=r.now, today=r.today)
    receipt.reconcile(shipment, actor=r.clerk, now=r.now)  # at the end of the last sitting
    wait = rng.randint(*(JUDGE_TRUCK if small else JUDGE_SEASON))
    r.spawn(r.day_at(r.today + timedelta(days=wait)), _judge(r, shipment))


def _close_lost(r: Returns):
    """The courier confirms the parcel lost: the clerk closes it, every part missing; the
    technical department records them as not received."""
    yield r.now
    if r.lost is None:
        return
    for line in r.lost.lines:
        receipt.mark(line, Receipt.MISSING, actor=r.clerk, now=r.now, today=r.today, note=LOST)
    receipt.reconcile(r.lost, actor=r.clerk, now=r.now)
    yield r.now + timedelta(hours=3)
    for line in r.lost.lines:
        _verdict(r, line.owed_part, Verdict.NOT_RECEIVED, NOT_RECEIVED, None)


# ---------------------------------------------------------------- the technical verdict


def _judge(r: Returns, shipment: ReturnShipment):
    """The technical department examines the parts of a reconciled shipment, a few a day; a
    part that came late may first have its lateness excused."""
    yield r.now
    rng = r.rng
    pace, judged = rng.randint(*JUDGE_PACE), 0
    for line in shipment.lines:
        owed = line.owed_part
        if owed.status != OwedStatus.RECEIVED or owed.verdict is not None:
            continue
        if judged and judged % pace == 0:
            yield r.day_at(r.today + timedelta(days=1))
        judged += 1
        # The draw as before (the demo's data stay the same); a part that left on the truck in
        # time is not late, whatever day it was scanned.
        if owed.received_on > owed.due_on and rng.random() < 0.08 and owed.days_late:
            waive(owed, rng.choice(WAIVE_LATE), actor=r.demo.tech)
            owed.waived_at = r.now
        verdict = _draw_verdict(owed, rng)
        if verdict == Verdict.QUALITY_FAULT:
            place = rng.choices([Destination.SUPPLIER, Destination.SCRAP], [0.65, 0.35])[0]
            if owed.line.decision == Decision.REJECTED:
                place = Destination.SCRAP
        else:
            place = rng.choice(PLACES[verdict])
        _verdict(r, owed, verdict, rng.choice(CAUSES[verdict]), place)


def _draw_verdict(owed: OwedPart, rng: random.Random) -> Verdict:
    """Mostly quality faults. A line the decision refused keeps its reason; the other verdicts
    zero a line, so they fall on claims already decided (and past a sample review: a claim
    the rules approved that is no longer approved as a whole cannot be reviewed as one)."""
    line, claim = owed.line, owed.claim
    if line.decision == Decision.REJECTED:
        return REJECTED_VERDICTS.get(line.reject_code, Verdict.QUALITY_FAULT)
    if claim.status not in DECIDED or (claim.sampled and claim.sample_reviewed_at is None):
        return Verdict.QUALITY_FAULT
    draw = rng.random()
    for verdict, share in ((Verdict.MISUSE, 0.03), (Verdict.NOT_WARRANTY_PART, 0.05),
                           (Verdict.WRONG_PART, 0.07), (Verdict.NO_DEFECT, 0.10)):
        if draw < share:
            return verdict
    return Verdict.QUALITY_FAULT


def _verdict(r: Returns, owed: OwedPart, verdict: Verdict, cause: str, place) -> None:
    photos = [r.rng.choice(r.demo.photos)] if place and r.rng.random() < 0.3 else []
    adjudicate(owed, {"verdict": verdict, "cause": cause, "destination": place}, photos,
               actor=r.demo.tech, today=r.today)
    if verdict != Verdict.QUALITY_FAULT:
        owed.line.decided_at = r.now


# ---------------------------------------------------------------- the stores


def _clear_stores(r: Returns):
    """Every two months the clerk sends a supplier its faulty parts once a few have gathered,
    takes most of the scrap away and puts some reusable parts into repairs; the latest parts
    stay in store."""
    rng = r.rng
    while True:
        items = db.session.scalars(sa.select(StoreItem).where(
            StoreItem.state == StoreState.IN_STORE,
            StoreItem.entered_on < r.today - timedelta(days=21))
            .order_by(StoreItem.id)).all()
        gathered = Counter(item.owed_part.part.supplier for item in items
                           if item.store == Destination.SUPPLIER)
        waybills = {}
        for item in items:
            if item.store == Destination.SUPPLIER:
                supplier = item.owed_part.part.supplier
                if gathered[supplier] < DISPATCH_AT:
                    continue
                if supplier not in waybills:
                    prefix, digits = rng.choice(COURIERS)
                    waybills[supplier] = (f"{supplier or '供应商'} {prefix}"
                                          f"{rng.randrange(10 ** (digits - 1), 10 ** digits)}")
                move, note = StoreState.DISPATCHED, waybills[supplier]
            elif item.store == Destination.SCRAP:
                if rng.random() < 0.3:
                    continue
                move, note = StoreState.SCRAPPED, "交废品回收站过磅处理"
            else:
                draw = rng.random()
                if draw < 0.4:
                    continue
                if draw < 0.8:
                    move, note = StoreState.REUSED, _reuse_note(r)
                else:
                    move, note = StoreState.SCRAPPED, "复检不合格，转废件"
            stores.move_item(item, move, note, actor=r.clerk, today=r.today)
        yield r.day_at(r.today + timedelta(days=rng.randint(55, 65)))


def _reuse_note(r: Returns) -> str:
    recent = [c for c in r.demo.claims[-40:] if c.number]
    if recent and r.rng.random() < 0.7:
        return f"用于{r.rng.choice(recent).number}维修"
    return "调拨售后服务车作备件"


def summary(today: date) -> str:
    """What the return stories left, for the seed's closing line."""
    shipments = Counter(db.session.scalars(sa.select(ReturnShipment.status)))
    owed = Counter(db.session.scalars(sa.select(OwedPart.status)))
    verdicts = db.session.scalar(sa.select(sa.func.count()).where(OwedPart.verdict.is_not(None)))
    stored = db.session.scalar(sa.select(sa.func.count()).where(
        StoreItem.state == StoreState.IN_STORE))
    held = [code for code, dealer_id in db.session.execute(
        sa.select(Dealer.code, Dealer.id).order_by(Dealer.code)) if hold_reason(dealer_id, today)]
    return (f"{sum(shipments.values())} return shipments ("
            + ", ".join(f"{s.value} {shipments[s]}" for s in ShipmentStatus)
            + f") of {sum(owed.values()) - owed[OwedStatus.CANCELLED]} owed old parts ("
            + ", ".join(f"{s.value} {owed[s]}" for s in OwedStatus if s != OwedStatus.CANCELLED)
            + f"), {verdicts} verdicts, {stored} parts in store, "
            + f"new claims held for {', '.join(held) or 'no dealer'}")
