"""Demo stocking plans, played in the same time order as the repair stories.

Two tractor seasons have plans; portal/demo/data.py picks them from today. For the last one,
whose plans were due some weeks ago (30 days before it started), most dealers opened the plan
the portal suggested some weeks before the deadline, changed a few quantities and submitted it
in time; two submitted it late (flagged), and two far-away dealers never did — they are on the
clerk's list of missing plans. The dealer's sales rep reviewed each plan within days: most
approved as asked, some with a line cut or raised (and the reason), one sent back once and
submitted again. A week or so after the approval the maker shipped the parts on a delivery note,
which the dealer confirmed. The suggestions were worked out on the day each plan was opened, so
they rest on the claims approved by then.

For the next season (due later, or due in the last few weeks) a few dealers have begun: two
drafts, one submitted, one already approved. The first dealer (the demo's login) has not opened
it yet, so whoever tries the demo can open it, see the suggestions and their reasons, change two
and submit it.
"""

import itertools
import random
from datetime import date, timedelta

import sqlalchemy as sa

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.catalog.models import PolicySettings, Season
from portal.demo.claims import Demo, at
from portal.demo.data import tractor_seasons
from portal.extensions import db
from portal.planning import services
from portal.planning.models import PlanStatus, StockingPlan
from portal.planning.suggestion import due_on, required_dealers

MISSING = {"XJ-CJ01", "NM-CF01"}  # never submitted last season's plan
LATE = {"HL-HB01": 6, "HB-XY01": 13}  # days after the deadline they submitted it
SENT_BACK = {"HA-ZK02"}  # the rep sent the plan back once
NEXT = {"SD-WF02": "draft", "HA-ZZ01": "draft", "JS-XZ01": "submitted", "HE-SJ01": "approved"}

DEALER_NOTES = [
    "今年新增两个乡镇服务站，易损件适当多备",
    "去年秋季滤芯缺货，今年按建议量多备一些",
    "主销机型为SB-904，按实际保有量调整",
    "",
    "",
]
REVIEW_REASONS = [
    "该件近两季故障率下降，按建议量核减",
    "总部中心库已有备件，可随时调拨，本次少备",
    "该经销商服务半径大，适当增加储备",
]
NOTHING_NOTE = "保有量小，本季不单独储备，需要时向总部中心库订货"
SEND_BACK = "易损件数量明显低于保有量需要，请按建议量重新核对后再报"
SHIP_NOTE = "按批准的配件储备计划发货"


def plan_stories(demo: Demo, today: date) -> list:
    """The stories of the last season's plans and of the next season's first ones."""
    rng = random.Random(2033)
    numbers = itertools.count(3_000_000)
    _history, last, coming = tractor_seasons(today, PolicySettings.current().plan_lead_days)
    past, coming = (db.session.scalars(sa.select(Season).where(Season.name == name)).all()
                    for name, _start, _end in (last, coming))
    admins, reps = _people()
    clerk = db.session.scalar(sa.select(User).where(User.role == Role.CLERK).order_by(User.id))
    stories = []
    for season in past[-1:]:
        due = due_on(season)
        for dealer in required_dealers(season):
            if dealer.code in MISSING:
                continue
            late = LATE.get(dealer.code)
            submit = due + timedelta(days=late) if late else due - timedelta(days=rng.randint(0, 9))
            opened = submit - timedelta(days=rng.randint(3, 20))
            story = _last_season(demo, rng, season, dealer, admins[dealer.id],
                                 reps.get(dealer.sales_rep_id) or clerk, clerk, submit)
            stories.append((at(opened, rng), next(numbers), story))
    for season in coming[:1]:
        for dealer in required_dealers(season):
            state = NEXT.get(dealer.code)
            if state:
                opened = today - timedelta(days=rng.randint(8, 20))
                story = _next_season(demo, rng, season, dealer, admins[dealer.id],
                                     reps.get(dealer.sales_rep_id) or clerk, state)
                stories.append((at(opened, rng), next(numbers), story))
    return stories


def _people():
    admins, reps = {}, {}
    for user in db.session.scalars(sa.select(User).where(User.role == Role.DEALER_ADMIN)
                                   .order_by(User.id)):
        admins.setdefault(user.dealer_id, user)
    for user in db.session.scalars(sa.select(User).where(User.role == Role.SALES_REP)):
        reps[user.id] = user
    return admins, reps


def _draft(demo: Demo, rng: random.Random, season, dealer, admin) -> StockingPlan:
    """Open the suggested plan and change a few quantities, as dealers do."""
    plan = services.open_plan(dealer, season, actor=admin, now=demo.clock.now)
    lines = [line for line in plan.lines if line.suggested_qty > 0] or list(plan.lines)
    changes = {}
    for line in rng.sample(lines, min(len(lines), rng.randint(1, 3))):
        changes[line.part_id] = max(0, line.suggested_qty + rng.choice([-2, -1, 1, 2, 3]))
    note = rng.choice(DEALER_NOTES)
    if not any(changes.get(line.part_id, line.quantity) for line in plan.lines):
        note = NOTHING_NOTE
    services.save_plan(plan, changes, note, actor=admin, version=plan.version)
    return plan


def _review(demo: Demo, rng: random.Random, plan: StockingPlan, reviewer) -> None:
    """Approve, cutting or raising a line now and then, with the reason."""
    adjustments, reasons = {}, {}
    if rng.random() < 0.4:
        line = rng.choice([line for line in plan.lines if line.quantity > 0] or plan.lines)
        adjustments[line.id] = max(0, line.quantity + rng.choice([-2, -1, 2]))
        reasons[line.id] = rng.choice(REVIEW_REASONS)
    services.approve_plan(plan, adjustments, reasons, "", actor=reviewer, version=plan.version,
                          now=demo.clock.now)


def _last_season(demo, rng, season, dealer, admin, reviewer, clerk, submit_on):
    plan = _draft(demo, rng, season, dealer, admin)
    yield max(at(submit_on, rng), demo.clock.now + timedelta(hours=1))
    services.submit_plan(plan, actor=admin, version=plan.version, now=demo.clock.now)
    yield demo.later(1, 5)
    if dealer.code in SENT_BACK:
        services.return_plan(plan, SEND_BACK, actor=reviewer, version=plan.version)
        yield demo.later(1, 3)
        services.save_plan(plan, {line.part_id: line.suggested_qty for line in plan.lines},
                           plan.note, actor=admin, version=plan.version)
        services.submit_plan(plan, actor=admin, version=plan.version, now=demo.clock.now)
        yield demo.later(1, 3)
    _review(demo, rng, plan, reviewer)
    yield demo.later(4, 10)
    from portal.deliveries import services as deliveries

    parts = [(line.part, line.final_qty, None) for line in plan.lines if line.final_qty > 0]
    if not parts:
        return
    note = deliveries.create_note(dealer, demo.clock.today, units=[], parts=parts,
                                  carrier="德邦物流", note=SHIP_NOTE, plan=plan, actor=clerk,
                                  now=demo.clock.now)
    yield demo.later(2, 6)
    deliveries.confirm_receipt(note, {}, "", actor=admin, version=note.version,
                               now=demo.clock.now)


def _next_season(demo, rng, season, dealer, admin, reviewer, state):
    plan = _draft(demo, rng, season, dealer, admin)
    if state == "draft":
        return
    yield demo.later(1, 4)
    services.submit_plan(plan, actor=admin, version=plan.version, now=demo.clock.now)
    if state == "approved":
        yield demo.later(1, 3)
        _review(demo, rng, plan, reviewer)


def summary() -> str:
    rows = db.session.execute(
        sa.select(Season.name, StockingPlan.status, StockingPlan.submitted_late, sa.func.count())
        .join(Season, Season.id == StockingPlan.season_id)
        .group_by(Season.name, StockingPlan.status, StockingPlan.submitted_late)
        .order_by(Season.name)).all()
    by_season: dict[str, list[str]] = {}
    for name, status, late, count in rows:
        label = status.value + (" late" if late and status != PlanStatus.DRAFT else "")
        by_season.setdefault(name, []).append(f"{label} {count}")
    return "stocking plans: " + "; ".join(
        f"{name} ({', '.join(parts)})" for name, parts in by_season.items())
