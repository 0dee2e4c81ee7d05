"""Demo service register: months of calls and visits, and a few from the last hours.

Each entry lives its life through the real service functions, on its own clock: most were
arranged and checked in time and are closed; some were late; a few are still open, some of
them overdue (so the escalation list has work), some with a deadline still running.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.dealers.models import Dealer
from portal.extensions import db
from portal.service import services
from portal.service.models import Assignee, Channel, RequestStatus, Urgency
from portal.units.cards import CardStatus, WarrantyCard
from portal.units.models import Unit

NEW, ROUTED, ARRANGED = RequestStatus.NEW, RequestStatus.ROUTED, RequestStatus.ARRANGED
CHECKED, CLOSED = RequestStatus.CHECKED, RequestStatus.CLOSED
PAST_ENTRIES = 90

FAULTS = [  # what the customer reports, what is arranged, what came of it
    ("发动机启动困难，排气冒黑烟", "检查喷油器和输油泵，必要时更换喷油器",
     "更换喷油器一只，试机正常，用户满意"),
    ("液压提升器不能提升农具", "上门检查液压泵和分配器",
     "更换液压泵密封件，提升恢复正常，已填写三包维修记录"),
    ("收割机割台不转", "携带割台传动带上门检修", "更换割台传动带，恢复作业"),
    ("变速箱挂挡困难并有异响", "派技术员上门诊断变速箱", "调整换挡拨叉，异响消除"),
    ("前驱动桥漏油", "上门更换前桥油封", "更换油封并补充齿轮油，已三包维修"),
    ("离合器打滑，带不动旋耕机", "上门调整离合器自由行程", "调整离合器间隙后恢复作业"),
    ("水温过高，开锅", "上门检查水泵、节温器和散热器",
     "散热器被杂草堵塞，清理后正常，已现场指导保养"),
    ("方向盘沉重", "检查转向油泵及油路", "转向油不足，补油并排气后正常"),
    ("仪表盘不显示，灯光不亮", "派电工检查线束和保险", "保险丝烧断，更换后正常，属易损件"),
    ("脱粒滚筒经常堵塞", "电话指导调整滚筒转速，必要时上门", "用户喂入量过大，已现场指导操作"),
]
WHO_GOES = ["服务工程师王建国", "服务工程师李志强、张伟", "维修站刘师傅",
            "服务车（鲁A·3F21）赵师傅", "技术部陈工", "业务员随服务车前往"]
CHECK_NOTES = ["已电话回访用户，确认服务人员已出发", "用户确认已接到通知", "已与维修站核实安排", ""]


@dataclass
class Life:
    """When an entry was received and how far its life got; step delays in minutes."""

    received: datetime
    stop: RequestStatus
    direct: bool
    route_after: int = 15
    arrange_after: int = 60  # from receipt
    check_after: int = 120  # from routing
    close_after: int = 2 * 24 * 60  # from the check
    first_dealer: bool = False  # the dealer whose demo logins are printed


def load_service_requests(now: datetime, rng: random.Random | None = None) -> int:
    """Register the demo entries in the order they were received; returns how many."""
    rng = rng or random.Random(2611)
    people = _people()
    units = _units_by_dealer()
    lives = sorted(_past(now, rng) + _recent(now), key=lambda life: life.received)
    for life in lives:
        _live(life, now, rng, people, units)
    return len(lives)


def _past(now: datetime, rng: random.Random) -> list[Life]:
    lives = []
    for _ in range(PAST_ENTRIES):
        received = now - timedelta(days=rng.randint(3, 150), minutes=rng.randint(0, 600))
        late = rng.random() < 0.12
        lives.append(Life(
            received, CHECKED if rng.random() < 0.06 else CLOSED, rng.random() < 0.35,
            route_after=rng.randint(3, 40),
            arrange_after=rng.randint(150, 400) if late else rng.randint(45, 115),
            check_after=rng.randint(250, 600) if rng.random() < 0.1 else rng.randint(90, 230),
            close_after=rng.randint(12 * 60, 6 * 24 * 60)))
    # Older entries nobody finished: on the escalation list for days.
    lives += [Life(now - timedelta(days=2, hours=3), ARRANGED, False, check_after=0),
              Life(now - timedelta(days=1, hours=5), ROUTED, True),
              Life(now - timedelta(days=4), ARRANGED, True, arrange_after=90, check_after=0),
              Life(now - timedelta(hours=27), NEW, False)]
    return lives


def _recent(now: datetime) -> list[Life]:
    """Today's entries: deadlines running, one nearly due, some already missed."""
    ago = lambda minutes: now - timedelta(minutes=minutes)  # noqa: E731
    return [
        Life(ago(20), NEW, False), Life(ago(100), NEW, False),
        Life(ago(35), ROUTED, True, first_dealer=True),
        Life(ago(70), ROUTED, False, route_after=10, first_dealer=True),
        Life(ago(215), ROUTED, False, route_after=25),
        Life(ago(125), ARRANGED, False, route_after=10, arrange_after=60, check_after=0),
        Life(ago(380), ARRANGED, True, arrange_after=80, check_after=0, first_dealer=True),
        Life(ago(300), CHECKED, False, route_after=8, arrange_after=50, check_after=100),
    ]


def _people() -> dict:
    users = db.session.scalars(sa.select(User).order_by(User.id)).all()
    by_role = {}
    for user in users:
        by_role.setdefault(user.role, []).append(user)
    staff = {u.dealer_id: u for u in by_role.get(Role.DEALER_STAFF, [])}
    return {"clerk": by_role[Role.CLERK][0], "technical": by_role[Role.TECHNICAL][0],
            "staff": staff}


def _units_by_dealer() -> dict[int, list[Unit]]:
    """Sold units with a filed card, by dealer: the machines customers call about."""
    units = db.session.scalars(
        sa.select(Unit).join(WarrantyCard).where(WarrantyCard.status == CardStatus.FILED)
        .options(selectinload(Unit.cards), selectinload(Unit.dealer)).order_by(Unit.id)).all()
    grouped = {}
    for unit in units:
        grouped.setdefault(unit.dealer_id, []).append(unit)
    return grouped


def _live(life: Life, now: datetime, rng: random.Random, people: dict, units: dict) -> None:
    dealer_id = sorted(units)[0] if life.first_dealer else rng.choice(sorted(units))
    unit = rng.choice(units[dealer_id]) if life.first_dealer or rng.random() < 0.8 else None
    staff = people["staff"][dealer_id]
    fault, plan, outcome = rng.choice(FAULTS)
    at = life.received + timedelta(minutes=rng.randint(1, 8))
    entry = services.register(
        _values(life, unit, fault, rng), serial=unit.serial if unit else "",
        actor=staff if life.direct else people["clerk"], now=min(at, now))
    if life.stop == NEW:
        return
    if not life.direct:
        _route(entry, rng, people, unit, dealer_id, to_dealer=life.first_dealer,
               now=min(now, life.received + timedelta(minutes=life.route_after)))
    if life.stop == ROUTED:
        return
    at = max(entry.routed_at, life.received + timedelta(minutes=life.arrange_after))
    services.arrange(entry, {"plan": plan, "planned_for": at + timedelta(hours=rng.randint(2, 26)),
                             "who_goes": rng.choice(WHO_GOES), "customer_told": True},
                     actor=_assignee_user(entry, people, staff), now=min(at, now))
    if life.stop == ARRANGED:
        return
    at = max(entry.arranged_at, entry.routed_at + timedelta(minutes=life.check_after))
    services.check(entry, rng.choice(CHECK_NOTES), actor=people["clerk"], now=min(at, now))
    if life.stop == CHECKED:
        return
    at = min(now, at + timedelta(minutes=life.close_after))
    closer = people["clerk"] if rng.random() < 0.5 else _assignee_user(entry, people, staff)
    services.close(entry, outcome, actor=closer, now=at)


def _values(life: Life, unit, fault: str, rng: random.Random) -> dict:
    card = unit.card if unit else None
    name = card.buyer_name if card else rng.choice("王李张刘陈杨赵黄") + rng.choice("伟强军勇平刚")
    return {"channel": rng.choices(list(Channel), weights=(70, 5, 20, 5))[0],
            "received_at": life.received, "customer_name": name,
            "customer_phone": card.buyer_phone if card else "",
            "location": card.address if card else "", "description": fault,
            "urgency": Urgency.URGENT if rng.random() < 0.3 else Urgency.NORMAL}


def _route(entry, rng, people, unit, dealer_id, *, to_dealer, now) -> None:
    dealer = unit.dealer if unit else db.session.get(Dealer, dealer_id)
    pick = 0 if to_dealer else rng.random()
    if pick < 0.75:
        services.route(entry, Assignee.DEALER, dealer=dealer, actor=people["clerk"], now=now)
    elif pick < 0.88 or dealer.sales_rep is None:
        services.route(entry, Assignee.TECHNICAL, actor=people["clerk"], now=now)
    else:
        services.route(entry, Assignee.SALES_REP, rep=dealer.sales_rep, actor=people["clerk"],
                       now=now)


def _assignee_user(entry, people: dict, staff: User) -> User:
    if entry.assignee == Assignee.TECHNICAL:
        return people["technical"]
    if entry.assignee == Assignee.SALES_REP:
        return entry.assigned_user
    return people["staff"].get(entry.dealer_id, staff)
