"""Demo: the money of the exchange and refund cases (portal/demo/cases.py), through the same
services finance uses, on the demo clock.

The exchanged tractor at SD-JN01 came back to the factory three days after the exchange, the
technical department found a quality fault, finance approved the settlement (the return credit
by the discount standard) and issued the dealer's notice, which the dealer confirmed: the offset
is in its ledger, traced to the case. The other stories stay where portal/demo/cases.py leaves
them, so each work queue has a case: HA-ZZ01's refunded machine is still to be received, and
HL-HB01's is back and its settlement waits for finance.
"""

import random
from datetime import date, timedelta

import sqlalchemy as sa

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.cases import machine
from portal.cases.finance import settle_case
from portal.cases.models import CaseStatus, SanbaoCase
from portal.core.versioning import LATEST
from portal.dealers.models import Dealer
from portal.demo.cases import failed_main_part
from portal.demo.claims import Clock, at
from portal.extensions import db
from portal.finance import lifecycle
from portal.finance.models import CaseSettlement
from portal.finance.notices import issue_notice

# dealer, days after completion: received, judged, settled, issued, confirmed (None: not done)
FATES = {"SD-JN01": (3, 4, 5, 6, 8)}
CAUSE = "返厂检测：变速箱二轴齿轮热处理硬度不足，属制造质量问题。"


def load_case_finance(today: date, rng: random.Random | None = None) -> None:
    """Play each completed case's money in time order, up to ``today``."""
    rng = rng or random.Random(17)
    people = {role: db.session.scalar(sa.select(User).where(User.role == role)
                                      .order_by(User.id))
              for role in (Role.CLERK, Role.TECHNICAL, Role.FINANCE)}
    steps = []
    for case in db.session.scalars(
            sa.select(SanbaoCase).join(Dealer, Dealer.id == SanbaoCase.dealer_id)
            .where(SanbaoCase.status == CaseStatus.COMPLETED, Dealer.code.in_(FATES))
            .order_by(SanbaoCase.id)):
        steps += _steps(case, FATES[case.dealer.code], people)
    clock = Clock()
    for day, _order, step in sorted(steps, key=lambda s: (s[0], s[1])):
        if day <= today:
            with clock.at(at(day, rng)):
                step(clock.now, clock.today)


def _steps(case: SanbaoCase, fate: tuple, people: dict) -> list:
    """The steps of one case's money: (day, order, step(now, today))."""
    done = case.completed_on
    admin = db.session.scalar(sa.select(User).where(User.dealer_id == case.dealer_id,
                                                    User.role == Role.DEALER_ADMIN))
    moves = [
        lambda now, today: machine.receive_machine(case, today, "整机随返程物流车到厂",
                                                   actor=people[Role.CLERK], version=LATEST,
                                                   today=today),
        lambda now, today: machine.judge_machine(
            case, "quality_fault", CAUSE, actor=people[Role.TECHNICAL], version=LATEST, now=now,
            part_id=failed_main_part(case.unit, "变速箱")),
        lambda now, today: settle_case(case, True, "按折扣标准核定退货折扣。",
                                       actor=people[Role.FINANCE], now=now),
        lambda now, today: issue_notice(case.dealer_id, today.replace(day=1), today,
                                        actor=people[Role.FINANCE], now=now),
        lambda now, today: lifecycle.confirm_notice(_notice_of(case), actor=admin, now=now),
    ]
    return [(done + timedelta(days=after), order, move)
            for order, (after, move) in enumerate(zip(fate, moves, strict=True))
            if after is not None]


def _notice_of(case: SanbaoCase):
    return db.session.get(CaseSettlement, case.id).notice


def summary() -> str:
    """What the case money left, for the seed's closing line."""
    rows = dict(db.session.execute(sa.select(CaseSettlement.status, sa.func.count())
                                   .group_by(CaseSettlement.status)).all())
    waiting = db.session.scalar(sa.select(sa.func.count(SanbaoCase.id)).where(
        SanbaoCase.machine_received_on.is_not(None), ~sa.exists().where(
            CaseSettlement.case_id == SanbaoCase.id)))
    return (f"case settlements: {sum(rows.values())} decided "
            f"({', '.join(f'{s.value} {n}' for s, n in rows.items())}), {waiting} waiting")
