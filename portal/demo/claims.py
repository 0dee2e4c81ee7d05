"""Demo repair records: several hundred claims over two years, made through the claim services.

Each claim is a short story: the dealer's staff write it up a few days after the repair and
file it; the rules approve a clean small one at once, or a rep sends it back, or the technical
department takes it up and decides it line by line. The stories are played together in time
order, so every check, coverage verdict and entitlement flag sees the unit's history as it
stood that day. Where a service dates a row with utcnow() itself (a claim's creation, audit
entries, files, flags, return visits), it reads the story's time from the clock.
The old-part returns (portal/demo/returns.py) and finance (portal/demo/finance.py) play in the
same time order.
"""

import heapq
import random
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.catalog import services as catalog
from portal.catalog.models import FaultCode, LabourRate, Part, PolicySettings
from portal.claims import services
from portal.claims.models import (
    AttachmentKind,
    Claim,
    ClaimStatus,
    LineKind,
)
from portal.core import audit
from portal.core.db import SHANGHAI, clock_at
from portal.demo import claim_data as text
from portal.demo.claim_plans import Planner
from portal.demo.images import demo_files
from portal.extensions import db
from portal.workflow import claims as workflow

SEND_BACK_SHARE = 0.07  # of the claims a person looks at
REVERSALS = 2  # rules decisions a sample review sends to a person


class Clock:
    """The story's time: while a step runs, utcnow() answers it, so every row a service dates
    itself (a claim's creation, audit entries, files, flags, return visits) gets it."""

    def __init__(self):
        self.now: datetime | None = None

    @contextmanager
    def at(self, when: datetime):
        """Run a step at ``when``, flushing its rows before the clock moves on."""
        self.now = when
        with clock_at(when):
            yield
            db.session.flush()

    @property
    def today(self) -> date:
        return self.now.astimezone(SHANGHAI).date()


def at(day: date, rng: random.Random) -> datetime:
    """A moment of the working day, in UTC."""
    local = datetime.combine(day, time(8, 30), SHANGHAI) + timedelta(minutes=rng.randint(0, 540))
    return local.astimezone(UTC)


class Storyline:
    """What the story families played after the repairs (finance's, the returns') share: the
    demo's clock, working-day moments, and the stories they begin, numbered from their own
    ``numbers`` so that each family's draws stay its own."""

    @property
    def now(self) -> datetime:
        return self.demo.clock.now

    def spawn(self, when: datetime, story) -> None:
        self.demo.spawned.append((when, next(self.numbers), story))

    def day_at(self, day: date) -> datetime:
        """A working-day moment of ``day`` (or the Monday after), never before now."""
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return max(at(day, self.rng), self.now + timedelta(minutes=self.rng.randint(20, 90)))


@dataclass
class Demo:
    rng: random.Random
    clock: Clock
    staff: dict  # dealer id → the user who files its records
    tech: User
    photos: list
    signatures: list
    claims: list = field(default_factory=list)
    sent_back: set = field(default_factory=set)  # claim ids
    tables: list = field(default_factory=list)  # policy and rates, kept at hand
    reversed: int = 0
    spawned: list = field(default_factory=list)  # stories begun by a step: (when, n, story)

    def later(self, low: int, high: int) -> datetime:
        """A working-day moment some days on; never before now."""
        day = self.clock.today + timedelta(days=self.rng.randint(low, high))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        soon = self.clock.now + timedelta(minutes=self.rng.randint(20, 120))
        return max(at(day, self.rng), soon)


def load_claims(today: date, rng: random.Random | None = None) -> list[Claim]:
    """Play the demo repair stories up to yesterday; return the claims, oldest first."""
    rng = rng or random.Random(2028)
    _policy()
    photos, signatures = demo_files()
    staff = {}
    for user in db.session.scalars(sa.select(User).where(User.role == Role.DEALER_STAFF)
                                   .order_by(User.id)):
        staff.setdefault(user.dealer_id, user)
    tech = db.session.scalar(sa.select(User).where(User.role == Role.TECHNICAL)
                             .order_by(User.id))
    plans = Planner(today, rng).plans()
    clock = Clock()
    demo = Demo(rng, clock, staff, tech, photos, signatures)
    # The session forgets rows nothing refers to; the services would read these again
    # for every line.
    demo.tables = [PolicySettings.current(), *db.session.scalars(sa.select(LabourRate))]
    stories = [(at(plan.completed, rng), n, _story(plan, demo))
               for n, plan in enumerate(plans)]
    until = datetime.combine(today, time(0), SHANGHAI)
    from portal.demo.finance import finance_stories  # they play in this time order
    from portal.demo.plans import plan_stories
    from portal.demo.returns import return_stories

    stories += return_stories(demo, today)
    stories += plan_stories(demo, today)
    stories += finance_stories(demo, today)
    _play(stories, clock, until=until, spawned=demo.spawned)
    return demo.claims


def _policy() -> None:
    """Let the rules approve clean claims up to 800 yuan, a fifth of them sampled; and have a
    person look at every engine-block crack and every differential housing."""
    catalog.save_policy({"auto_approve": True, "auto_max_total": Decimal("800.00"),
                         "auto_sample_percent": 20}, actor=None)
    crack = db.session.scalar(sa.select(FaultCode).where(FaultCode.code == "E06"))
    catalog.save_fault_code(crack, {"watched": True}, {}, actor=None)
    # No catalogue service sets a part's watch yet: set it here, with its audit entry.
    for part in db.session.scalars(sa.select(Part).where(Part.part_number.like("SB-CS-%"))):
        part.watched = True
        audit.record("update", part, changes={"watched": (False, True)})


def _play(stories, clock: Clock, *, until: datetime, spawned: list) -> None:
    """Run every story step in time order; steps from ``until`` on have not happened yet. A
    step may begin new stories (a shipment's receipt) by adding them to ``spawned``."""
    heapq.heapify(stories)
    while stories:
        when, n, story = heapq.heappop(stories)
        if when >= until:
            continue
        with clock.at(when):
            following = next(story, None)
        if following is not None:
            heapq.heappush(stories, (following, n, story))
        while spawned:
            heapq.heappush(stories, spawned.pop())


def _story(plan, demo: Demo):
    """Write the record up when the repair is done, file it, and follow it through review
    as far as time allows."""
    staff = demo.staff[plan.unit.dealer_id]
    claim = _record(plan, demo, staff)
    if not plan.file:
        return
    if plan.filed > demo.clock.today:
        yield max(at(plan.filed, demo.rng), demo.clock.now + timedelta(minutes=30))
    while True:
        try:
            workflow.submit(claim, actor=staff, today=demo.clock.today, now=demo.clock.now,
                            rng=demo.rng)
        except services.ChecksFailed as refused:
            if {check.code for check in refused.checks} != {"held"}:
                raise
            return  # the dealer's old parts are long overdue: the record waits in draft
        if claim.status == ClaimStatus.APPROVED:  # by the rules
            if not claim.sampled:
                return
            yield demo.later(3, 30)
            if not _review_sample(claim, plan, demo):
                return
            yield demo.later(1, 5)
            break
        fix = yield from _review(claim, plan, demo)
        if fix is None:
            break
        if plan.held:  # the dealer has not got round to it
            return
        yield demo.later(1, 6)
        _fix(claim, fix, demo, staff)
    workflow.decide(claim, _decisions(claim, plan.fate or _fate(claim, demo.rng), demo.rng),
                    actor=demo.tech, now=demo.clock.now)


def _review(claim: Claim, plan, demo: Demo):
    """The rep looks first, then the technical department takes the claim up; either may send
    it back once. Returns what the dealer must fix, or None when it is ready for a decision."""
    first_time = claim.id not in demo.sent_back
    yield demo.later(1, 3)
    if plan.held or (first_time and demo.rng.random() < SEND_BACK_SHARE):
        return _send_back(claim, demo, claim.dealer.sales_rep)
    yield demo.later(0, 4)
    services.start_review(claim, actor=demo.tech)
    yield demo.later(1, 3)
    if first_time and demo.rng.random() < SEND_BACK_SHARE / 2:
        return _send_back(claim, demo, demo.tech)
    yield demo.later(0, 6)
    return None


def _record(plan, demo: Demo, staff) -> Claim:
    rng, unit = demo.rng, plan.unit
    claim = services.create_claim(unit, plan.header(rng), actor=staff, today=demo.clock.today)
    for part, quantity in plan.parts:
        services.add_line(claim, LineKind.PART, {"part_id": part.id, "quantity": quantity},
                          actor=staff)
    hours, reason = None, ""  # the standard hours of the fault
    if plan.extra_hours:
        standard = plan.fault.hours_for(unit.model.category)
        hours, reason = standard + plan.extra_hours, rng.choice(text.LONGER_LABOUR)
    services.add_line(claim, LineKind.LABOUR, {"fault_code_id": plan.fault.id, "hours": hours,
                                               "reason": reason}, actor=staff)
    if plan.km is not None:
        services.add_line(claim, LineKind.TRAVEL, {"km": plan.km}, actor=staff)
    if plan.other:
        reason, amount = plan.other
        services.add_line(claim, LineKind.OTHER, {"amount": amount, "reason": reason},
                          actor=staff)
    if plan.paid:  # what the warranty does not cover, the customer pays
        for line in [line for line in claim.lines if not line.covered]:
            services.set_paid_service(claim, line.id, True, actor=staff,
                                      customer_agreed=True)  # to any hours above standard
    for stored in rng.sample(demo.photos, plan.photos):
        services.attach(claim, AttachmentKind.PHOTO, stored, actor=staff, size=stored.size)
    if plan.signed:
        stored = rng.choice(demo.signatures)
        services.attach(claim, AttachmentKind.SIGNATURE, stored, actor=staff, drawn=True,
                        size=stored.size)
    demo.claims.append(claim)
    return claim


def _send_back(claim: Claim, demo: Demo, actor) -> str:
    reason, fix = demo.rng.choice(text.SEND_BACK)
    workflow.send_back(claim, reason, actor=actor)
    demo.sent_back.add(claim.id)
    return fix


def _fix(claim: Claim, fix: str, demo: Demo, staff) -> None:
    if fix == "photo":
        stored = demo.rng.choice(demo.photos)
        services.attach(claim, AttachmentKind.PHOTO, stored, actor=staff, size=stored.size)
    else:
        services.update_claim(claim, {"description": f"{claim.description}。{text.MORE_DETAIL}"},
                              actor=staff, today=demo.clock.today)


def _review_sample(claim: Claim, plan, demo: Demo) -> bool:
    """Confirm the rules' decision, or (rarely) hand the claim to a person; True if handed."""
    reverse = demo.reversed < REVERSALS and demo.rng.random() < 0.3
    workflow.review_sample(claim, actor=demo.tech, confirm=not reverse,
                           reason=text.REVERSE_SAMPLE if reverse else text.CONFIRM_SAMPLE,
                           now=demo.clock.now)
    if reverse:
        demo.reversed += 1
        plan.fate = "partly"
    return reverse


def _fate(claim: Claim, rng: random.Random) -> str:
    """What the technical department makes of a claim it looks at."""
    running_in = any(c["code"] == "running_in" for c in claim.checks)
    if running_in and rng.random() < 0.35:
        return "running_in"
    draw = rng.random()
    if draw < 0.045:
        return rng.choice(["misuse", "user_damage", "modification", "no_defect"])
    return "partly" if draw < 0.24 else "approve"


def _decisions(claim: Claim, fate: str, rng: random.Random) -> dict:
    claimed = [line for line in claim.lines if not line.paid_service]
    if fate in text.REJECTIONS or fate == "duplicate":
        note = text.DUPLICATE if fate == "duplicate" else text.REJECTIONS[fate]
        return {line.id: _reject(fate, note) for line in claimed}
    decisions = {line.id: {"decision": "approved"} for line in claimed}
    for line in claimed:
        if not line.reimbursed:  # out of the buyer's rights, or a card the maker does not pay on
            code = "out_of_period" if "out_of_period" in line.not_covered else "no_proof"
            decisions[line.id] = _reject(code, text.OUT_OF_PERIOD)
    if fate == "partly":
        _cut_one(claimed, decisions)
    return decisions


def _reject(code: str, note: str) -> dict:
    return {"decision": "rejected", "reject_code": code, "note": note}


def _cut_one(lines, decisions: dict) -> None:
    """Reduce or refuse one line: labour to its standard, travel to the real distance, or a
    second part that was not at fault."""
    by_kind = {}
    for line in lines:
        if decisions[line.id]["decision"] == "approved":
            by_kind.setdefault(line.kind, []).append(line)
    labour = by_kind.get(LineKind.LABOUR, [None])[0]
    if labour is not None and labour.hours > labour.standard_hours:
        amount = (labour.standard_hours * labour.hourly_rate).quantize(Decimal("0.01"))
        decisions[labour.id] = {"decision": "reduced", "amount": amount,
                                "note": text.REDUCE_LABOUR}
    elif len(by_kind.get(LineKind.PART, [])) > 1:
        decisions[by_kind[LineKind.PART][-1].id] = _reject("no_defect", text.PART_NOT_FAULTY)
    elif travel := by_kind.get(LineKind.TRAVEL):
        decisions[travel[0].id] = {"decision": "reduced", "note": text.REDUCE_TRAVEL,
                                   "amount": (travel[0].amount / 2).quantize(Decimal("0.01"))}
    elif labour is not None and labour.hours > 1:
        amount = ((labour.hours - 1) * labour.hourly_rate).quantize(Decimal("0.01"))
        decisions[labour.id] = {"decision": "reduced", "amount": amount,
                                "note": text.LESS_LABOUR}
