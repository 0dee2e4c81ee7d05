"""Records built the way the portal builds them (through its services, or as they leave them):
claims ready to submit or submitted, finance-approved claims, notices and ledger entries,
exchange and refund cases.

Shared by several test modules; the day is always given (``today``), never read here.
"""

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.accounts.roles import Role
from portal.cases import machine
from portal.cases import services as case_services
from portal.catalog.models import ModelCategory, Season, SeasonKind
from portal.claims import services
from portal.claims.models import AttachmentKind, Decision, FinanceStage, LineKind
from portal.core.db import SHANGHAI
from portal.core.uploads import StoredFile
from portal.core.versioning import LATEST
from portal.deliveries.models import DeliveryLine, DeliveryNote, DeliveryStatus
from portal.extensions import db
from portal.finance.models import LedgerEntry, LedgerKind, NoticeClaim, WriteOffNotice
from portal.finance.notices import issue_notice
from portal.planning.models import PlanSection, PlanStatus, StockingPlan, StockingPlanLine
from portal.returns.models import OwedPart, OwedStatus
from portal.workflow import claims as workflow
from tests import factories

D = Decimal
# The month the notice builders issue for.
OCT_START, OCT_END = date(2026, 10, 1), date(2026, 10, 31)
_notes = itertools.count(1)


# -- claims -----------------------------------------------------------------------------------

def open_claim(shop, dealer, *, today, failure=None, handed_in=None, completed=None,
               hours="300.0"):
    """A draft repair record on the workshop's unit, failed ten days before ``today``."""
    failure = failure or today - timedelta(days=10)
    return services.create_claim(shop.unit, {
        "failure_date": failure, "handed_in_on": handed_in or failure,
        "completed_on": completed or failure + timedelta(days=2),
        "hour_meter": Decimal(hours), "fault_code_id": shop.fault.id,
        "description": "变速箱漏油"}, actor=dealer, today=today)


def sign(claim, dealer):
    services.attach(claim, AttachmentKind.SIGNATURE,
                    StoredFile("claims/test-sig.png", "sig.png", "image/png"), actor=dealer)


def ready_claim(shop, dealer, *, today, **kwargs):
    """A claim with a part, labour and travel line and a signature."""
    claim = open_claim(shop, dealer, today=today, **kwargs)
    services.add_line(claim, LineKind.PART, {"part_id": shop.main_part.id, "quantity": 1},
                      actor=dealer)
    services.add_line(claim, LineKind.LABOUR, {"fault_code_id": shop.fault.id}, actor=dealer)
    services.add_line(claim, LineKind.TRAVEL, {"km": 35}, actor=dealer)
    sign(claim, dealer)
    return claim


def submitted_claim(shop, dealer, *, today, parts=None, labour=True, travel=True):
    """A claim submitted through the services: its return-required part lines are owed."""
    claim = open_claim(shop, dealer, today=today)
    for part in parts or [shop.main_part]:
        services.add_line(claim, LineKind.PART, {"part_id": part.id, "quantity": 1},
                          actor=dealer)
    if labour:
        services.add_line(claim, LineKind.LABOUR, {"fault_code_id": shop.fault.id},
                          actor=dealer)
    if travel:
        services.add_line(claim, LineKind.TRAVEL, {"km": 35}, actor=dealer)
    sign(claim, dealer)
    workflow.submit(claim, actor=dealer, today=today)
    return claim


def claim_owing_parts(dealer, user, *, today, serial=None, extra_parts=("液压泵", "滤清器")):
    """A submitted claim of ``dealer`` with one owed part per part line (three by default)."""
    shop = factories.workshop(dealer, serial=serial)
    parts = [shop.main_part, *(factories.make_part(models=[shop.model], name=name)
                               for name in extra_parts)]
    return submitted_claim(shop, user, today=today, parts=parts, travel=False)


def owed_parts_of(claim) -> list[OwedPart]:
    return db.session.scalars(sa.select(OwedPart).where(OwedPart.claim_id == claim.id)
                              .order_by(OwedPart.id)).all()


def owed_of(claim, position=1) -> OwedPart:
    line = next(line for line in claim.lines if line.position == position)
    return db.session.scalar(sa.select(OwedPart).where(OwedPart.claim_line_id == line.id))


def receive(owed: OwedPart, on: date | None = None) -> OwedPart:
    """What the receipt does to an owed part (the receipt pages are another helper's)."""
    owed.status, owed.received_on = OwedStatus.RECEIVED, on or owed.due_on
    db.session.flush()
    return owed


# -- finance ----------------------------------------------------------------------------------

def approved_claim(dealer, *, finance_on=date(2026, 10, 15), unit=None, amounts=None,
                   extra_lines=(), **values):
    """A claim finance approved on ``finance_on``: one line per cost type, audited amounts."""
    amounts = amounts or {LineKind.PART: "1200.00", LineKind.LABOUR: "125.00",
                          LineKind.TRAVEL: "80.00", LineKind.OTHER: "15.50"}
    lines = [{"kind": kind, "amount": Decimal(value), "decision": Decision.APPROVED,
              "approved_amount": Decimal(value), "finance_amount": Decimal(value)}
             for kind, value in amounts.items()]
    claim = factories.make_claim(unit or factories.make_unit(dealer=dealer),
                                 status="approved", lines=[*lines, *extra_lines], **values)
    claim.finance_stage = FinanceStage.APPROVED
    claim.finance_on = finance_on
    claim.total_finance = sum((Decimal(v) for v in amounts.values()), Decimal("0.00"))
    db.session.flush()
    return claim


def make_notice(dealer, claims: int = 2, *, actor=None, **claim_values) -> WriteOffNotice:
    """An issued notice of October 2026 holding ``claims`` finance-approved claims."""
    for _ in range(claims):
        approved_claim(dealer, **claim_values)
    actor = actor or db.session.scalar(sa.select(factories.User).where(
        factories.User.role == Role.FINANCE).limit(1)) or factories.make_user(Role.FINANCE)
    notice = issue_notice(dealer.id, OCT_START, OCT_END, actor=actor)
    db.session.flush()
    return notice


def post(dealer, kind, on, reference, amount, memo=""):
    """An entry as stored (signed), the way the ERP import or the notice lifecycle leaves it."""
    entry = LedgerEntry(dealer_id=dealer.id, kind=kind, entry_date=on, reference=reference,
                        memo=memo, amount=D(amount), source="excel",
                        created_by_id=factories._any_user_id())
    db.session.add(entry)
    db.session.flush()
    return entry


def confirmed_offset(dealer, on, *, number="HX-2026-0007", claims=(("120.00", "30.00"),)):
    """A confirmed notice with its claims, and its offset posted as the lifecycle posts it:
    kind OFFSET, amount −total, reference the notice number, notice_id, source notice."""
    shop_unit = factories.make_unit(dealer=dealer)
    finance = factories.make_user(Role.FINANCE)
    notice = WriteOffNotice(number=number, year=int(number[3:7]), seq=int(number[-4:]),
                            dealer_id=dealer.id, period_start=date(2026, 2, 1),
                            period_end=date(2026, 2, 28), status="issued",
                            issued_by_id=finance.id, dealer_details={"name": dealer.name})
    total = D("0.00")
    for position, (parts, labour) in enumerate(claims, 1):
        claim = factories.make_claim(shop_unit, status="approved",
                                     number=f"WX-{number}-{position}")
        amount = D(parts) + D(labour)
        notice.claims.append(NoticeClaim(claim=claim, position=position, parts=D(parts),
                                         labour=D(labour), total=amount))
        claim.notice = notice
        total += amount
    notice.parts = sum((D(p) for p, _l in claims), D(0))
    notice.labour = sum((D(lab) for _p, lab in claims), D(0))
    notice.total = total
    db.session.add(notice)
    db.session.flush()
    notice.status = "confirmed"  # as confirm_notice does; a confirmed notice cannot be built
    entry = LedgerEntry(dealer_id=dealer.id, kind=LedgerKind.OFFSET, entry_date=on,
                        reference=notice.number, amount=-total, notice_id=notice.id,
                        source="notice", created_by_id=finance.id)
    db.session.add(entry)
    db.session.flush()
    return notice, entry


# -- planning and deliveries ------------------------------------------------------------------

TRACTORS = [ModelCategory.TRACTOR_LARGE.value, ModelCategory.TRACTOR_SMALL.value]
SPRING_2027 = (date(2027, 3, 10), date(2027, 6, 15))  # the plans' season: due 2027-02-08


def make_season(name, start, end, *, categories=TRACTORS, provinces=(), required=True,
                kind=SeasonKind.OPERATING):
    row = Season(name=name, kind=kind, start_on=start, end_on=end, categories=list(categories),
                 provinces=list(provinces), plan_required=required)
    db.session.add(row)
    db.session.flush()
    return row


def make_plan(season, dealer, lines, *, status=PlanStatus.APPROVED) -> StockingPlan:
    """A plan with lines given as (part, quantity, approved_qty or None)."""
    plan = StockingPlan(season_id=season.id, dealer_id=dealer.id, status=status,
                        created_by_id=factories._any_user_id())
    for position, (part, quantity, approved) in enumerate(lines, 1):
        plan.lines.append(StockingPlanLine(part_id=part.id, position=position,
                                           section=PlanSection.WARRANTY, quantity=quantity,
                                           suggested_qty=quantity, approved_qty=approved,
                                           unit_price=part.price))
    db.session.add(plan)
    db.session.flush()
    return plan


def spring_plan(dealer, status, part, clerk) -> StockingPlan:
    """A plan of its own 2027 spring selling season with one wear line (6 planned, 5 approved)."""
    season = Season(name=f"2027春季{dealer.code}", kind=SeasonKind.SELLING,
                    start_on=date(2027, 3, 10), end_on=date(2027, 6, 15),
                    categories=["tractor_large"], provinces=[])
    plan = StockingPlan(season=season, dealer=dealer, status=status, created_by_id=clerk.id)
    plan.lines.append(StockingPlanLine(part=part, position=1, section=PlanSection.WEAR,
                                       suggested_qty=4, quantity=6, approved_qty=5,
                                       unit_price=part.price))
    db.session.add(plan)
    db.session.flush()
    return plan


def line_of(plan, part):
    return next(line for line in plan.lines if line.part_id == part.id)


def make_note(dealer, shipped_on, lines, *, confirmed=False) -> DeliveryNote:
    """A delivery note with part lines given as (part, quantity, received_qty or None)."""
    note = DeliveryNote(number=f"FH-T-{next(_notes):05d}", dealer_id=dealer.id,
                        shipped_on=shipped_on, created_by_id=factories._any_user_id(),
                        status=DeliveryStatus.CONFIRMED if confirmed else DeliveryStatus.SHIPPED)
    for position, (part, quantity, received) in enumerate(lines, 1):
        note.lines.append(DeliveryLine(position=position, part_id=part.id, quantity=quantity,
                                       received_qty=received, unit_price=part.price))
    db.session.add(note)
    db.session.flush()
    return note


def use(unit, part, quantity, failure_date, *, status="submitted", decision="pending"):
    """A claim on ``unit`` whose one part line used ``quantity`` of ``part``."""
    return factories.make_claim(unit, status=status, failure_date=failure_date, lines=[
        {"kind": "part", "part": part, "quantity": quantity, "unit_price": part.price,
         "amount": part.price * quantity, "decision": decision}])


# -- exchange and refund cases ----------------------------------------------------------------

CASE_STAGES = ("requested", "approved", "completed", "received", "judged")


def refund_case(dealer, stage: str, *, clerk, technical, now: datetime):
    """A refund case on a newly sold unit of ``dealer``, played through the case services as
    far as ``stage`` (one of ``CASE_STAGES``), each step at ``now`` (its Shanghai day)."""
    unit = factories.make_unit(dealer=dealer)
    day = now.astimezone(SHANGHAI).date()
    factories.make_card(unit, sale_date=day - timedelta(days=90))
    case = case_services.open_case(unit, "refund", "无同型号同规格整机", actor=clerk, today=day,
                                   invoice_amount="50000.00", now=now)
    steps = CASE_STAGES[1:CASE_STAGES.index(stage) + 1]
    if "approved" in steps:
        case_services.decide_case(case, True, "确属质量问题", actor=technical, version=LATEST,
                                  now=now)
    if "completed" in steps:
        case_services.complete_case(case, day, actor=clerk, version=LATEST, today=day, now=now,
                                    refund_amount="50000.00", buyer_receipt="收据 No.1")
    if "received" in steps:
        machine.receive_machine(case, day, actor=clerk, version=LATEST, today=day)
    if "judged" in steps:
        block = factories.make_part(models=[unit.model], name="缸体", supplier="华源铸造")
        machine.judge_machine(case, "quality_fault", "缸体砂眼", actor=technical,
                              version=LATEST, now=now, part_id=block.id)
    return case
