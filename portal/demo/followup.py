"""Demo return visits and complaints, made after the demo claims through the real services.

Most customers are reached at the first call and are satisfied; a few are reached only at a
second try, a few never; the most recent repairs are still to call. A handful of complaints
stand in every state, linked to dealers, units and repairs.
"""

import random
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.claims.models import FlagKind, FlagRule, UnitFlag
from portal.core.db import SHANGHAI, clock_at
from portal.extensions import db
from portal.service import complaints as complaint_services
from portal.service.entitlements import refund_for_no_same_model
from portal.service.models import Channel
from portal.service.visits import MAX_ATTEMPTS, open_return_visit, record_call

SCORES = [(5, 0.74), (4, 0.21), (3, 0.03), (2, 0.015), (1, 0.005)]
GOOD = ["修得很快，师傅态度好", "机器现在正常了", "服务满意", "师傅很专业，讲得清楚", ""]
BAD = ["等配件等了很久", "修完没几天又有异响", "师傅来得太晚"]
COMPLAINTS = [
    ("等了五天配件才到，耽误农时", Channel.PHONE),
    ("维修后同一问题又出现，要求换件", Channel.PHONE),
    ("经销商收了上门费，说好是三包免费的", Channel.LETTER),
    ("服务电话打不通", Channel.ONLINE),
    ("师傅态度不好，不愿意上门", Channel.VISIT),
    ("三包卡登记的名字错了，维修时被拒", Channel.PHONE),
    ("旧件被师傅带走但没有给收据", Channel.PHONE),
    ("收割季机器坏在地里，等了两天才来人", Channel.PHONE),
]
# The state each demo complaint ends in, in order.
FATES = ["open", "open", "escalated", "escalated", "resolved", "resolved", "archived",
         "archived"]


def _at(day: date, rng: random.Random, hour: int = 9) -> datetime:
    local = datetime.combine(day, time(hour)) + timedelta(minutes=rng.randint(0, 480))
    return local.replace(tzinfo=SHANGHAI)


def _score(rng: random.Random) -> int:
    draw, total = rng.random(), 0.0
    for score, share in SCORES:
        total += share
        if draw < total:
            return score
    return 5


def _visit(claim, clerk, today: date, rng: random.Random) -> str:
    visit = open_return_visit(claim, today=claim.completed_on or today, actor=clerk)
    if visit.status != "open" or visit.due_on > today - timedelta(days=2):
        return "open"  # recent: still to call
    fate = rng.random()
    if fate < 0.05:  # never reached
        for _try in range(MAX_ATTEMPTS):
            record_call(visit, reached=False, satisfaction=None, comment="无人接听",
                        actor=clerk, now=_at(visit.due_on, rng))
        return "not_reached"
    if fate < 0.13:  # reached at the second try, the day after
        record_call(visit, reached=False, satisfaction=None, comment="关机", actor=clerk,
                    now=_at(visit.due_on, rng))
    score = _score(rng)
    record_call(visit, reached=True, satisfaction=score, actor=clerk,
                comment=rng.choice(GOOD if score >= 4 else BAD), now=_at(visit.due_on, rng))
    return "reached"


def _complaint(index: int, claim, clerk, rng: random.Random):
    text, channel = COMPLAINTS[index % len(COMPLAINTS)]
    received = _at((claim.completed_on or claim.failure_date) + timedelta(days=4), rng, 8)
    card = claim.unit.card
    values = {"channel": channel, "received_at": received, "description": text,
              "customer_name": card.buyer_name if card else "王先生",
              "customer_phone": card.buyer_phone if card else "",
              "dealer_code": claim.dealer.code, "unit_serial": "", "claim_number": ""}
    if index % 3 != 2:  # most name the repair; some only the dealer
        values["claim_number"] = claim.number
    complaint = complaint_services.register_complaint(values, actor=clerk,
                                                      now=received + timedelta(hours=1))
    _handle(complaint, FATES[index % len(FATES)], clerk, received)
    return complaint


def _handle(complaint, fate: str, clerk, received: datetime) -> None:
    if fate == "escalated":
        complaint_services.escalate_complaint(
            complaint, "客户情绪激动，需要分公司经理出面", actor=clerk,
            now=received + timedelta(hours=3))
    if fate in ("resolved", "archived"):
        complaint_services.resolve_complaint(
            complaint, "已联系经销商重新上门处理，客户表示认可", actor=clerk,
            now=received + timedelta(days=2))
    if fate == "archived":
        complaint_services.archive_complaint(complaint, actor=clerk,
                                             now=received + timedelta(days=9))


def seed_followup(claims, *, today: date, rng: random.Random | None = None) -> dict:
    """Open the return visits of the completed ``claims``, make the calls that are due, and
    record a few complaints in every state; return how many of each."""
    rng = rng or random.Random(2027)
    clerk = db.session.scalar(sa.select(User).where(User.role == Role.CLERK)
                              .order_by(User.id)) or db.session.scalar(
        sa.select(User).where(User.role == Role.ADMIN).order_by(User.id))
    completed = [c for c in claims if c.completed_on and c.completed_on <= today]
    made = {"open": 0, "reached": 0, "not_reached": 0, "complaints": 0}
    for claim in sorted(completed, key=lambda c: (c.completed_on, c.id)):
        made[_visit(claim, clerk, today, rng)] += 1
    settled = [c for c in completed if c.completed_on <= today - timedelta(days=5)]
    picked = rng.sample(settled, min(len(FATES), len(settled)))
    for index, claim in enumerate(picked):
        _complaint(index, claim, clerk, rng)
        made["complaints"] += 1
    _no_machine_for_exchange(clerk)
    return made


def _no_machine_for_exchange(clerk) -> None:
    """The repair that took too long entitled its buyer to an exchange, but the model is no
    longer made: the clerk says so two days later and the buyer may have his money back."""
    flag = db.session.scalar(sa.select(UnitFlag).where(
        UnitFlag.kind == FlagKind.EXCHANGE, UnitFlag.rule == FlagRule.REPAIR_OVERDUE,
        UnitFlag.resolved_at.is_(None)).order_by(UnitFlag.id))
    if flag is None:
        return
    when = flag.raised_at + timedelta(days=2)
    with clock_at(when):
        refund_for_no_same_model(flag, "该型号已停产，无同型号同规格产品可换", actor=clerk,
                                 today=when.astimezone(SHANGHAI).date(), now=when)
