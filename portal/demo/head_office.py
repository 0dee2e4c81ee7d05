"""Demo repairs done by head office (总部维修): the sales rep goes out to a dealer's customer
himself, fills in the 三包维修记录 with the customer's signature and files it, priced from the
same tables and checked like a dealer's record, through the claim services on the demo clock.

rep_li's repair of a month ago was decided by the technical department and its old part handed
in to the sales company (it now waits for its verdict); rep_wang's of last week waits for the
technical department's decision, its old part still to be taken in.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.cases.models import SanbaoCase
from portal.catalog.models import FaultCode, Part, PartKind, part_models
from portal.claims import services
from portal.claims.models import AttachmentKind, Claim, Decision, LineKind
from portal.dealers.models import Dealer
from portal.demo.claims import Clock, at
from portal.demo.images import demo_files
from portal.extensions import db
from portal.returns.models import OwedPart
from portal.returns.receipt import take_handed_in
from portal.units.cards import CardStatus, WarrantyCard
from portal.units.models import Unit
from portal.workflow import claims as workflow

# the rep, the dealer whose customer he served, days ago the machine failed, taken in (days on)
STORIES = [("rep_li", "SD-WF02", 33, 9), ("rep_wang", "JL-CC01", 8, None)]
DESCRIPTION = "用户反映作业中变速箱异响、挂挡困难，经销商维修两次未排除，业务员带总部技术员上门。"
WORK = "拆检确认齿轮打齿，更换损坏件，试机正常；用户签字确认，旧件由业务员带回销售公司。"


def load_head_office_repairs(today: date, rng: random.Random | None = None) -> list[Claim]:
    """Play the head-office repair stories in time order; return their records."""
    rng = rng or random.Random(18)
    photos, signatures = demo_files()
    users = {u.username: u for u in db.session.scalars(sa.select(User).where(
        User.role.in_((Role.SALES_REP, Role.TECHNICAL, Role.CLERK))).order_by(User.id))}
    tech = next(u for u in users.values() if u.role == Role.TECHNICAL)
    clerk = next(u for u in users.values() if u.role == Role.CLERK)
    steps, claims = [], []
    for rep, code, ago, taken in STORIES:
        failed = today - timedelta(days=ago)
        unit = _unit(code, failed)
        steps += _story(unit, failed, taken, users[rep], tech, clerk, (photos, signatures),
                        rng, claims)
    clock = Clock()
    for day, _order, step in sorted(steps, key=lambda s: (s[0], s[1])):
        with clock.at(at(day, rng)):
            step(clock.now, clock.today)
    return claims


def _unit(code: str, failed: date) -> Unit:
    """A machine of the dealer invoiced one to eight months before the failure (well inside
    every period), never repaired and in no exchange or refund case."""
    repaired = sa.exists().where(Claim.unit_id == Unit.id)
    in_case = sa.exists().where(sa.or_(SanbaoCase.unit_id == Unit.id,
                                       SanbaoCase.replacement_unit_id == Unit.id))
    return db.session.scalars(
        sa.select(Unit).join(WarrantyCard, WarrantyCard.unit_id == Unit.id)
        .join(Dealer, Dealer.id == Unit.dealer_id)
        .where(Dealer.code == code, WarrantyCard.status == CardStatus.FILED,
               WarrantyCard.invoice_date.between(failed - timedelta(days=240),
                                                 failed - timedelta(days=30)),
               ~repaired, ~in_case)
        .order_by(WarrantyCard.invoice_date.desc(), Unit.serial)).first()


def _part_and_fault(unit: Unit) -> tuple[Part, FaultCode]:
    """A main part of the unit's model that comes back to the factory, and the first fault
    code with standard hours for its category."""
    part = db.session.scalars(
        sa.select(Part).join(part_models, part_models.c.part_id == Part.id)
        .where(part_models.c.model_id == unit.model_id, Part.return_required, Part.is_active,
               Part.kind == PartKind.MAIN).order_by(Part.part_number)).first()
    faults = db.session.scalars(sa.select(FaultCode).where(FaultCode.is_active)
                                .order_by(FaultCode.code)).all()
    return part, next(f for f in faults if f.hours_for(unit.model.category) is not None)


def _story(unit, failed, taken, rep, tech, clerk, files, rng, claims) -> list:
    """The steps of one repair: (day, order within the day, step(now, today))."""
    photos, signatures = files
    held = {}

    def file(now, today):
        part, fault = _part_and_fault(unit)
        claim = services.create_claim(unit, {
            "failure_date": failed, "handed_in_on": failed, "completed_on": failed,
            "hour_meter": Decimal("420.0"), "fault_code_id": fault.id,
            "description": DESCRIPTION, "cause": "齿轮材质缺陷", "work_done": WORK,
            "technician": rep.display_name}, actor=rep, today=today)
        services.add_line(claim, LineKind.PART, {"part_id": part.id, "quantity": 1}, actor=rep)
        services.add_line(claim, LineKind.LABOUR, {"fault_code_id": fault.id}, actor=rep)
        services.add_line(claim, LineKind.TRAVEL, {"km": 45}, actor=rep)
        for stored in rng.sample(photos, 2):
            services.attach(claim, AttachmentKind.PHOTO, stored, actor=rep, size=stored.size)
        stored = rng.choice(signatures)
        services.attach(claim, AttachmentKind.SIGNATURE, stored, actor=rep, drawn=True,
                        size=stored.size)
        workflow.submit(claim, actor=rep, today=today, now=now, rng=rng)
        held["claim"] = claim
        claims.append(claim)

    def decide(now, today):
        claim = held["claim"]
        services.start_review(claim, actor=tech)
        workflow.decide(claim, {line.id: {"decision": Decision.APPROVED}
                                for line in claim.lines}, actor=tech, now=now)

    def take_in(now, today):
        for owed in db.session.scalars(sa.select(OwedPart).where(
                OwedPart.claim_id == held["claim"].id)):
            take_handed_in(owed, actor=clerk, today=today)

    steps = [(failed + timedelta(days=1), 0, file)]
    if taken is not None:
        steps += [(failed + timedelta(days=3), 1, decide),
                  (failed + timedelta(days=taken), 2, take_in)]
    return steps
