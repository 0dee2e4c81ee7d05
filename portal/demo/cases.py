"""Demo exchange and refund cases (包换 / 包退), each played through the case services on the
demo clock.

At one dealer a buyer's tractor kept failing: he asked for an exchange, the technical
department approved it, and a week later the dealer handed him an unsold machine of the same
model from its stock, his card moving to it. At another a buyer asked for his money back (no
machine of the same model to exchange): approved, and refunded the whole invoice price against
his receipt. A third buyer's exchange request waits for the technical department, a fourth's
approved exchange for his dealer to hand the machine over; of the earlier cases, one failed
machine is back at the factory waiting for its inspection and one was inspected, so each of the
cases' work queues (portal/cases/queues.py) has something in it.
"""

import random
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.cases import machine, services
from portal.cases.handover import replacement_problem
from portal.cases.models import CaseStatus, MachineVerdict, SanbaoCase
from portal.claims.models import Claim
from portal.core.versioning import LATEST
from portal.dealers.models import Dealer
from portal.demo.claims import Clock, at
from portal.extensions import db
from portal.units.cards import CardStatus, WarrantyCard
from portal.units.models import Unit

# dealer, kind, what becomes of it, days ago opened, the buyer's words, invoice price
STORIES = [
    ("SD-JN01", "exchange", "completed", 24,
     "同一台拖拉机三个月内变速箱三次打齿，用户要求换一台新车。", None),
    ("HA-ZZ01", "refund", "completed", 18,
     "用户要求退货：本店及工厂均无同型号同规格的整机可换。", Decimal("68500.00")),
    ("HE-SJ01", "exchange", "requested", 2, "收割机作业中两次发动机拉缸，用户要求换货。", None),
    ("JS-XZ01", "exchange", "approved", 4, "拖拉机修理超过三十个工作日仍未修好，用户选择换货。",
     None),
    ("HL-HB01", "refund", "received", 30, "用户要求退货：同型号同规格整机已停产。",
     Decimal("72800.00")),
    ("SD-WF02", "exchange", "judged", 45, "新车十天内发动机两次拉缸，用户选择换车不修理。", None),
]
# what becomes of a case, in order: each fate goes as far as its name
FATES = ("requested", "approved", "completed", "received", "judged")
DECISION = "核对维修记录与旧件鉴定，确属产品质量问题，同意。"
MACHINE_CAUSE = "拆检发动机：缸套材质不合格，属制造质量问题。"


def load_cases(today: date, rng: random.Random | None = None) -> None:
    """Play the case stories in time order."""
    rng = rng or random.Random(11)
    users = {role: db.session.scalar(sa.select(User).where(User.role == role).order_by(User.id))
             for role in (Role.CLERK, Role.TECHNICAL)}
    steps = []
    for code, kind, fate, ago, words, price in STORIES:
        staff = db.session.scalar(sa.select(User).join(Dealer, Dealer.id == User.dealer_id)
                                  .where(User.role == Role.DEALER_STAFF, Dealer.code == code)
                                  .order_by(User.id))
        unit = _sold_unit(staff.dealer_id, today - timedelta(days=ago))
        steps += _story(unit, kind, fate, today - timedelta(days=ago), words, price, staff, users)
    clock = Clock()
    for day, _order, step in sorted(steps, key=lambda s: (s[0], s[1])):
        with clock.at(at(day, rng)):
            step(clock.now, clock.today)


def _sold_unit(dealer_id: int, opened: date) -> Unit:
    """A unit of the dealer sold before ``opened``, never repaired, with an unsold machine of
    its model in the dealer's stock to exchange it for."""
    repaired = sa.exists().where(Claim.unit_id == Unit.id)
    for unit in db.session.scalars(
            sa.select(Unit).join(WarrantyCard, WarrantyCard.unit_id == Unit.id)
            .where(Unit.dealer_id == dealer_id, WarrantyCard.status == CardStatus.FILED,
                   WarrantyCard.sale_date < opened, ~repaired)
            .order_by(WarrantyCard.sale_date.desc(), Unit.serial)):
        if _spare(unit, dealer_id) is not None:
            return unit
    raise AssertionError(f"no sold unit to exchange at dealer {dealer_id}")


def _spare(unit: Unit, dealer_id: int) -> Unit | None:
    """An unsold machine of the unit's model in the dealer's stock that may replace it."""
    sold = sa.exists().where(WarrantyCard.unit_id == Unit.id)
    candidates = db.session.scalars(sa.select(Unit).where(
        Unit.dealer_id == dealer_id, Unit.model_id == unit.model_id, ~sold)
        .order_by(Unit.serial).limit(20))
    return next((c for c in candidates if replacement_problem(unit, dealer_id, c) is None),
                None)


def _story(unit, kind, fate, opened, words, price, staff, users) -> list:
    """The steps of one case: (day, order within the day, step(now, today))."""
    holder = {}

    def open_step(now, today):
        holder["case"] = services.open_case(unit, kind, words, actor=staff, today=today,
                                            invoice_amount=price, now=now)

    def decide(now, today):
        services.decide_case(holder["case"], True, DECISION, actor=users[Role.TECHNICAL],
                             version=LATEST, now=now)

    def complete(now, today):
        case = holder["case"]
        spare = _spare(unit, case.dealer_id) if kind == "exchange" else None
        services.complete_case(case, today, actor=staff, version=LATEST, today=today, now=now,
                               replacement_serial=spare.serial if spare else "",
                               refund_amount=price, buyer_receipt="收款收据 No.0032")

    def receive(now, today):
        machine.receive_machine(holder["case"], today, "物流返厂，外观完整",
                                actor=users[Role.CLERK], version=LATEST, today=today)

    def judge(now, today):
        machine.judge_machine(holder["case"], MachineVerdict.QUALITY_FAULT, MACHINE_CAUSE,
                              actor=users[Role.TECHNICAL], version=LATEST, now=now,
                              part_id=failed_main_part(unit, "机体"))

    # each step after the opening: (days after it, the step), as far as the fate goes
    later = [(2, decide), (7, complete), (12, receive), (16, judge)][:FATES.index(fate)]
    return [(opened, 0, open_step)] + [(opened + timedelta(days=days), n, step)
                                       for n, (days, step) in enumerate(later, 1)]


def failed_main_part(unit, name: str) -> int:
    """The main part a verdict's cause names (``name``, else the model's first main part): its
    supplier answers for it."""
    parts = machine.main_parts(unit.model_id)
    return next((p.id for p in parts if name in p.name), parts[0].id)


def summary() -> str:
    """What the case stories left, for the seed's closing line."""
    states = Counter(db.session.scalars(sa.select(SanbaoCase.status)))
    return (f"{sum(states.values())} exchange and refund cases ("
            + ", ".join(f"{s.value} {states[s]}" for s in CaseStatus) + ")")
