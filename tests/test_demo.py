"""``flask seed-demo`` builds a believable world, and the same one on whatever day it is loaded."""

import os
from datetime import date, datetime, time

import pytest

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.catalog.models import FaultCode, LabourRate, Part, ProductModel, Season, TravelBand
from portal.core.db import SHANGHAI, clock_at
from portal.dealers.models import Dealer

# Days spread over the next two years: a December Sunday, a spring working day, a summer Monday
# just after the 30 June return date, the last day of a year, a leap day just after a plan
# deadline, and the first of a month (last month's notices) in a year whose holidays the
# calendar library may not know yet. A load takes a minute or more, so PostgreSQL, which runs
# the same stories through the same code, loads two of them (the test command stays bounded).
DAYS = [date(2026, 12, 6), date(2027, 4, 14), date(2027, 7, 19), date(2027, 12, 31),
        date(2028, 2, 29), date(2028, 11, 1)]
if os.environ.get("TEST_DATABASE_URL"):
    DAYS = [date(2027, 7, 19), date(2028, 2, 29)]


@pytest.mark.parametrize("today", DAYS, ids=lambda day: str(day))
def test_seed_demo_loads_once(runner, db, client, today):
    result = runner.invoke(args=["seed-demo", "--today", today.isoformat()])
    assert result.exit_code == 0, result.output
    # The demo stands at 10:00 of that day; look at it then, as someone signed in would.
    with clock_at(datetime.combine(today, time(10), SHANGHAI)) as now:
        _assert_world(db, result.output, today, now)
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and db.session.query(Dealer).count() == 12
    assert runner.invoke(args=["seed-demo"]).exit_code != 0
    # The demo logins work.
    response = client.post("/login", data={"username": "sdjn01_staff", "password": "Sanbao2026"})
    assert response.headers["Location"] == "/"


def _assert_world(db, output, today, now):
    assert "admin" in output and "sdjn01_admin" in output
    assert db.session.query(Dealer).count() == 12
    assert len({d.province for d in db.session.query(Dealer)}) >= 8
    assert {u.role for u in db.session.query(User)} == set(Role)
    assert db.session.query(ProductModel).count() >= 4
    assert db.session.query(Part).count() >= 80
    assert db.session.query(FaultCode).count() >= 10
    assert db.session.query(LabourRate).count() == 4
    assert db.session.query(TravelBand).count() >= 4
    assert db.session.query(Season).count() >= 2
    # Every part fits at least one model; every dealer has a rep.
    assert all(p.models for p in db.session.query(Part))
    assert all(d.sales_rep_id for d in db.session.query(Dealer))
    # A few thousand units: most cards on time, some late (a few excused), some still to file.
    from portal.units.cards import WarrantyCard
    from portal.units.models import Unit

    assert db.session.query(Unit).count() >= 2000
    cards = db.session.query(WarrantyCard).all()
    filed = [c for c in cards if c.status == "filed"]
    late = [c for c in filed if c.is_late]
    assert len(filed) > 0.5 * db.session.query(Unit).count()
    assert 0.05 * len(filed) < len(late) < 0.3 * len(filed)
    assert any(c.recognised for c in late) and any(not c.recognised for c in late)
    assert sum(c.status == "draft" for c in cards) >= 24
    assert max(c.sale_date for c in cards) <= today
    assert db.session.query(Unit).count() - len(cards) > 200  # unsold stock
    # The service register: every status, some received by dealers, some overdue.
    from portal.service.deadlines import escalation_query
    from portal.service.models import RequestStatus, ServiceRequest

    entries = db.session.query(ServiceRequest).all()
    assert {e.status for e in entries} == set(RequestStatus)
    assert any(e.received_by_dealer_id for e in entries)
    assert max(e.received_at for e in entries) <= now
    assert db.session.scalars(escalation_query(now)).first() is not None
    _assert_claims(db, output, now)
    _assert_returns(db, output, today, now)
    _assert_finance(db, output, today, now)
    _assert_stock(db, output, today)
    _assert_plans(db, output, today)
    _assert_alerts(db, output, now)
    _assert_deliveries(db, today)
    _assert_cases(db, output)
    _assert_head_office(db, output, now)


def _assert_claims(db, output, now):
    """Several hundred repair records in every state, told through the claim services."""
    from datetime import timedelta

    import sqlalchemy as sa
    from sqlalchemy.orm import selectinload

    from portal.claims.models import AttachmentKind, Claim, ClaimStatus, FlagKind, UnitFlag
    from portal.core.audit import AuditEntry
    from portal.core.uploads import uploads_root
    from portal.service.models import ReturnVisit

    claims = db.session.scalars(sa.select(Claim).options(
        selectinload(Claim.attachments), selectinload(Claim.lines))).all()
    assert 400 <= len(claims) <= 600
    assert "repair records" in output
    assert {c.status for c in claims} == set(ClaimStatus)
    approved = [c for c in claims if c.status == ClaimStatus.APPROVED]
    assert any(c.decided_by_rules for c in approved)
    assert any(c.decided_by_id for c in approved)  # and by the technical department
    assert any(c.sample_reviewed_at for c in approved)
    filed = [c for c in claims if c.status != ClaimStatus.DRAFT]
    assert all(c.photos and c.signature for c in filed)
    assert all(c.checks and c.submitted_at for c in filed)
    drafts = [c for c in claims if c.status == ClaimStatus.DRAFT]
    assert any(c.signature is None for c in drafts)
    assert any(line.paid_service for c in claims for line in c.lines)
    assert any(line.reject_code for c in claims for line in c.lines)
    # Spread over the past two years, with the story's dates on the audit trail.
    days = {c.created_at.date() for c in claims}
    assert (max(days) - min(days)).days > 365
    first = min(claims, key=lambda c: c.id)
    trail = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.entity_type == "claims", AuditEntry.entity_id == str(first.id))).all()
    assert trail and all(e.at < now - timedelta(days=300) for e in trail)
    sent_back = db.session.scalars(sa.select(AuditEntry.entity_id).where(
        AuditEntry.action == "send_back", AuditEntry.reason != "")).all()
    assert any(str(c.id) in sent_back for c in drafts)
    flags = db.session.scalars(sa.select(UnitFlag)).all()
    assert {f.kind for f in flags} == set(FlagKind)
    assert any(f.part_id is None for f in flags)  # the repair that took too long
    visits = db.session.scalars(sa.select(ReturnVisit.claim_id)).all()
    assert {c.id for c in filed} <= set(visits)
    assert any(v.reached for v in db.session.scalars(sa.select(ReturnVisit)))
    stored = {a.path for c in claims for a in c.attachments}
    assert {a.kind for c in claims for a in c.attachments} == set(AttachmentKind)
    assert all((uploads_root() / path).is_file() for path in stored)


def _assert_returns(db, output, today, now):
    """Old parts shipped back, received, judged and stored, told through the returns services."""
    from datetime import timedelta

    import sqlalchemy as sa

    from portal.claims.models import Decision
    from portal.core.audit import AuditEntry
    from portal.demo.returns import HELD_DEALER
    from portal.returns.models import (
        Destination,
        OwedPart,
        OwedStatus,
        Receipt,
        ReturnShipment,
        ShipmentLine,
        ShipmentStatus,
        ShipMethod,
        StoreItem,
        StoreState,
        Verdict,
    )
    from portal.returns.owed import hold_reason, write_off_block

    assert "return shipments" in output and f"held for {HELD_DEALER}" in output
    shipments = db.session.scalars(sa.select(ReturnShipment)).all()
    assert {s.status for s in shipments} == set(ShipmentStatus)
    assert {s.method for s in shipments} == set(ShipMethod)
    # Some dealers send their parts back every month on the maker's delivery truck.
    assert len({s.shipped_on.strftime("%Y-%m") for s in shipments
                if s.method == ShipMethod.TRUCK}) >= 20
    assert all(s.waybill for s in shipments if s.method == ShipMethod.COURIER)
    assert min(s.created_at for s in shipments) < now - timedelta(days=300)
    receiving = [s for s in shipments if s.status == ShipmentStatus.RECEIVING]
    assert all({ln.receipt for ln in s.lines} & {Receipt.PENDING} for s in receiving)
    lines = db.session.scalars(sa.select(ShipmentLine)).all()
    assert {ln.receipt for ln in lines} == set(Receipt)
    assert all(ln.note for ln in lines if ln.receipt in (Receipt.MISSING, Receipt.DAMAGED))
    parts = db.session.scalars(sa.select(OwedPart)).all()
    assert {p.verdict for p in parts} == {*Verdict, None}
    assert any(p.status == OwedStatus.MISSING for p in parts)
    assert any(p.waived_at and p.waive_reason for p in parts)
    assert any(p.damaged for p in parts)
    assert any(p.status == OwedStatus.OWED and p.due_on >= today for p in parts)  # not overdue
    # Missing parts were sent again; late ones block their write-off.
    assert any(len(p.shipment_lines) > 1 and p.status == OwedStatus.RECEIVED for p in parts)
    late = [p for p in parts if p.days_late and not p.waived_at]
    assert late and all(write_off_block(p, today) for p in late)
    # Every verdict but a quality fault zeroed its line.
    judged = [p for p in parts if p.verdict not in (None, Verdict.QUALITY_FAULT)]
    assert all(p.line.decision == Decision.REJECTED and not p.line.approved_amount
               for p in judged)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.entity_type == "claims", AuditEntry.action == "verdict"))
    items = db.session.scalars(sa.select(StoreItem)).all()
    assert {i.store for i in items if i.state == StoreState.IN_STORE} == set(Destination)
    assert {i.state for i in items} == set(StoreState)
    assert all(i.out_note for i in items if i.state in (StoreState.REUSED,
                                                         StoreState.DISPATCHED))
    # Only the chosen dealer (not the one whose logins are printed) is held today.
    held = {d.code for d in db.session.query(Dealer) if hold_reason(d.id, today)}
    assert held == {HELD_DEALER} and HELD_DEALER != "SD-JN01"


def _assert_finance(db, output, today, now):
    """Claims forwarded and audited, write-off notices in every state, and each dealer's
    receivable ledger over more than a year, told through the finance services."""
    from collections import Counter
    from datetime import timedelta

    import sqlalchemy as sa

    from portal.catalog.models import PolicySettings
    from portal.claims.models import Claim, ClaimLine, FinanceStage
    from portal.core.db import SHANGHAI
    from portal.finance import ledger
    from portal.finance.models import (
        LedgerEntry,
        LedgerKind,
        NoticeClaim,
        NoticeRun,
        NoticeStatus,
        RunStatus,
        WriteOffNotice,
    )

    assert "write-off notices" in output and "receivable ledgers" in output
    assert PolicySettings.current().maker_name
    stages = set(db.session.scalars(sa.select(Claim.finance_stage).distinct()))
    assert {FinanceStage.APPROVED, FinanceStage.REJECTED, FinanceStage.WRITTEN_OFF} <= stages
    lines = db.session.scalars(sa.select(ClaimLine).where(
        ClaimLine.finance_amount.is_not(None), ClaimLine.approved_amount > 0)).all()
    assert any(0 < ln.finance_amount < ln.approved_amount and ln.finance_note for ln in lines)
    assert any(ln.finance_amount == 0 and ln.finance_note for ln in lines)  # part came late
    notices = db.session.scalars(sa.select(WriteOffNotice).order_by(WriteOffNotice.id)).all()
    assert {n.status for n in notices} == set(NoticeStatus)
    assert all(n.document.pdf.startswith(b"%PDF") for n in notices)
    assert all(n.maker["name"] == PolicySettings.current().maker_name for n in notices)
    # Numbered in the year of issue, gapless; issued over the history, not all today.
    seqs = {}
    for n in notices:
        assert n.number.startswith(f"HX-{n.issued_at.astimezone(SHANGHAI).year}-")
        seqs.setdefault(n.year, []).append(n.seq)
    assert len(seqs) > 1
    assert all(sorted(s) == list(range(1, len(s) + 1)) for s in seqs.values())
    assert min(n.issued_at for n in notices) < now - timedelta(days=365)
    # Every confirmed notice has exactly one offset, of minus its total.
    offsets = db.session.scalars(sa.select(LedgerEntry).where(
        LedgerEntry.kind == LedgerKind.OFFSET)).all()
    confirmed = {n.id: n for n in notices if n.status == NoticeStatus.CONFIRMED}
    assert Counter(e.notice_id for e in offsets) == Counter(set(confirmed))
    assert all(e.amount == -confirmed[e.notice_id].total for e in offsets)
    # No claim in two live notices; a claim's notice lists it; a voided notice was reissued.
    live = db.session.scalars(sa.select(NoticeClaim.claim_id).join(NoticeClaim.notice).where(
        WriteOffNotice.status != NoticeStatus.VOIDED)).all()
    assert len(live) == len(set(live))
    held = db.session.scalars(sa.select(Claim).where(Claim.notice_id.is_not(None))).all()
    assert {c.id for c in held} == set(live)
    replaced = {n.replaces_id for n in notices if n.replaces_id}
    assert {n.id for n in notices if n.status == NoticeStatus.VOIDED} == replaced
    assert all(n.dispute_reason for n in notices if n.disputed_at)
    runs = db.session.scalars(sa.select(NoticeRun)).all()
    assert runs and all(r.status == RunStatus.DONE for r in runs)
    assert sum(r.notices_made for r in runs) == sum(1 for n in notices if n.run_id)
    _assert_finance_today(db, runs, today)
    # Each dealer's ledger: an opening balance more than a year ago, invoices and payments
    # imported from the ERP, offsets; its balance is the sum of its entries.
    entries = db.session.scalars(sa.select(LedgerEntry)).all()
    by_dealer = {}
    for entry in entries:
        by_dealer.setdefault(entry.dealer_id, []).append(entry)
    assert len(by_dealer) == 12
    for dealer_id, mine in by_dealer.items():
        days = [e.entry_date for e in mine]
        assert (max(days) - min(days)).days >= 365
        assert {LedgerKind.OPENING, LedgerKind.INVOICE, LedgerKind.PAYMENT} <= {
            e.kind for e in mine}
        total = sum(e.amount for e in mine)
        assert ledger.balance(dealer_id) == total > 0
        opening, rows = ledger.entries_with_balance(dealer_id, None, None)
        assert rows[-1].balance == total
    assert all(e.source == "excel" for e in entries
               if e.kind not in (LedgerKind.OFFSET, LedgerKind.CHARGE))
    assert min(e.created_at for e in entries) < now - timedelta(days=365)
    assert all(e.amount > 10_000 for e in entries if e.kind == LedgerKind.INVOICE)


def _assert_finance_today(db, runs, today):
    """Finance has work today: decided claims waiting for their rep, claims with finance, and
    last month's cost-approved claims of several dealers waiting for last month's run."""
    from datetime import timedelta

    import sqlalchemy as sa

    from portal.claims.models import Claim, FinanceStage
    from portal.finance import audit
    from portal.finance.notices import eligible_summary

    count = sa.select(sa.func.count(Claim.id))
    assert db.session.scalar(count.where(Claim.finance_stage.is_(None),
                                         audit.ready_for_finance())) >= 1
    assert db.session.scalar(count.where(Claim.finance_stage == FinanceStage.FORWARDED)) >= 1
    last_month_end = today.replace(day=1) - timedelta(days=1)
    assert all(r.period_end < last_month_end for r in runs)  # last month's run is not done
    last_month = eligible_summary(last_month_end)
    assert len(last_month) >= 4 and all(n > 0 and total > 0 for _d, n, total in last_month)
    this_month = eligible_summary(today)
    assert {d.id for d, _n, _t in this_month} >= {d.id for d, _n, _t in last_month}


def _assert_stock(db, output, today):
    """Stock returns of each reason and status; a restoration charge posted; units deemed sold."""
    import sqlalchemy as sa

    from portal.finance.models import LedgerEntry, LedgerKind
    from portal.stock.deemed import deemed_sold
    from portal.stock.models import StockReturn, StockReturnReason, StockReturnStatus

    returns = db.session.scalars(sa.select(StockReturn)).all()
    assert "stock returns" in output
    assert {r.status for r in returns} == set(StockReturnStatus)
    assert {r.reason for r in returns} == set(StockReturnReason)
    received = [r for r in returns if r.status == StockReturnStatus.RECEIVED]
    assert all(r.unit.dealer_id is None for r in received)
    charged = [r for r in received if r.restoration_charged]
    assert charged and all(r.ledger_entry.amount == r.restoration_fee for r in charged)
    charges = db.session.scalars(sa.select(LedgerEntry).where(
        LedgerEntry.kind == LedgerKind.CHARGE)).all()
    assert len(charges) == len(charged)
    assert len(deemed_sold(None, today)) > 5


def _assert_plans(db, output, today):
    """Last season's plans on time, late and missing, reviewed and shipped; the next season's
    first plans; the demo login's dealer has not opened the next one."""
    from datetime import timedelta

    import sqlalchemy as sa

    from portal.catalog.models import Season
    from portal.deliveries.models import DeliveryNote
    from portal.planning.models import PlanStatus, StockingPlan
    from portal.planning.suggestion import due_on, required_dealers

    assert "stocking plans" in output
    # Plans are asked for two tractor seasons, named by their year: the last one, whose plans
    # were due before today, and the next; and for the coming harvests, not yet due.
    asked = db.session.scalars(sa.select(Season).where(Season.plan_required)
                               .order_by(Season.start_on)).all()
    last, coming = [s for s in asked if "tractor_large" in s.categories]
    for season in (last, coming):
        half = "春" if season.start_on.month < 7 else "秋"
        assert season.name == f"{season.start_on.year} {half}季作业季"
    assert due_on(last) < today < last.end_on + timedelta(days=200)
    assert last.end_on < coming.start_on < last.start_on + timedelta(days=365)
    assert all(due_on(s) >= today for s in asked if s not in (last, coming))
    history = db.session.scalars(sa.select(Season).where(~Season.plan_required)).all()
    assert any(s.end_on < last.start_on for s in history)
    plans = db.session.scalars(sa.select(StockingPlan).where(
        StockingPlan.season_id == last.id)).all()
    assert {p.status for p in plans} == {PlanStatus.APPROVED}
    late = [p for p in plans if p.submitted_late]
    assert 1 <= len(late) < len(plans) - 4
    assert all(p.submitted_at.date() > due_on(last) for p in late)
    missing = {d.id for d in required_dealers(last)} - {p.dealer_id for p in plans}
    assert len(missing) >= 2
    assert any(p.lines and any(ln.quantity != ln.suggested_qty for ln in p.lines) for p in plans)
    assert any(ln.approved_qty is not None and ln.adjust_reason for p in plans for ln in p.lines)
    shipped = set(db.session.scalars(sa.select(DeliveryNote.plan_id).where(
        DeliveryNote.plan_id.is_not(None))))
    assert {p.id for p in plans} <= shipped
    upcoming = db.session.scalars(sa.select(StockingPlan).where(
        StockingPlan.season_id == coming.id)).all()
    assert {p.status for p in upcoming} == set(PlanStatus)
    assert "SD-JN01" not in {p.dealer.code for p in upcoming}


def _assert_deliveries(db, today):
    """Units shipped on real notes the unit pages mirror; most confirmed, a few overdue, some
    with differences; parts-only notes too."""
    import sqlalchemy as sa

    from portal.deliveries.models import DeliveryLine, DeliveryNote, DeliveryStatus
    from portal.deliveries.services import overdue_notes
    from portal.units.models import Unit

    notes = db.session.scalars(sa.select(DeliveryNote)).all()
    assert {n.status for n in notes} == set(DeliveryStatus)
    assert sum(n.status == DeliveryStatus.CONFIRMED for n in notes) > 0.9 * len(notes)
    assert any(n.discrepancy and n.remark for n in notes)
    assert db.session.scalars(overdue_notes(sa.select(DeliveryNote), today)).first()
    assert any(all(ln.part_id for ln in n.lines) for n in notes)
    pairs = db.session.execute(sa.select(Unit.delivery_note_no, DeliveryNote.number).join(
        DeliveryLine, DeliveryLine.unit_id == Unit.id).join(
        DeliveryNote, DeliveryNote.id == DeliveryLine.note_id).where(
        Unit.dealer_id == DeliveryNote.dealer_id)).all()
    assert pairs and all(no == number for no, number in pairs)
    # rep_li's grade reviews: a downgrade (or keep) for his worst dealer, a reward for the best.
    from portal.analytics.models import GradeReview

    reviews = db.session.scalars(sa.select(GradeReview).order_by(GradeReview.id)).all()
    assert len(reviews) == 2 and all(r.created_by.username == "rep_li" for r in reviews)
    assert reviews[0].score < reviews[1].score and reviews[0].figures["cards_due"] > 0
    assert reviews[1].recommendation in ("reward", "keep")


def _assert_alerts(db, output, now):
    """The scheduled check found the planted bad batch and nothing else; last week's report is
    there."""
    import sqlalchemy as sa

    from portal.demo.claim_plans import BAD_BATCH_FAILURES, BAD_BATCH_MODEL, BAD_BATCH_STEM
    from portal.quality.models import AlertRun, BatchAlert
    from portal.reports.models import WeeklyReport
    from portal.units.models import Unit

    [alert] = db.session.scalars(sa.select(BatchAlert)).all()
    assert alert.status == "open" and alert.part.key_part
    assert alert.part.part_number.split("-")[1] == BAD_BATCH_STEM
    assert BAD_BATCH_FAILURES - 2 <= alert.failures <= BAD_BATCH_FAILURES
    units = db.session.scalars(sa.select(Unit).where(Unit.batch == alert.batch)).all()
    assert {u.model.code for u in units} >= {BAD_BATCH_MODEL}
    run = db.session.scalar(sa.select(AlertRun))
    assert run.started_by_id is None and run.pairs_checked > 100 and run.alerts_raised == 1
    assert "1 batch alerts" in output
    report = db.session.scalar(sa.select(WeeklyReport))
    assert report and report.pdf.startswith(b"%PDF")


def _assert_cases(db, output):
    """An exchange completed (the buyer's card on the replacement from the exchange day), a
    refund of the whole invoice price, an exchange waiting for the technical department."""
    from portal.cases.models import CaseKind, CaseStatus, SanbaoCase

    cases = {(c.kind, c.status): c for c in db.session.query(SanbaoCase)}
    exchange = cases[CaseKind.EXCHANGE, CaseStatus.COMPLETED]
    card = exchange.replacement.card
    assert card.buyer_name == exchange.buyer_name and card.exchanged_on == exchange.completed_on
    assert exchange.unit.dealer_id is None and exchange.unit.card is None
    refund = cases[CaseKind.REFUND, CaseStatus.COMPLETED]
    assert refund.refund_amount == refund.invoice_amount and refund.buyer_receipt
    assert (CaseKind.EXCHANGE, CaseStatus.REQUESTED) in cases
    assert "6 exchange and refund cases" in output
    # Every model has its dealer price and every category its discount standard, so the
    # maker's settlement of each completed case works out.
    from portal.cases.settlement import settlement_of

    for case in (exchange, refund):
        settlement = settlement_of(case)
        assert settlement.problem is None and settlement.lines[0].amount > 0
    _assert_case_finance(db, output, exchange, refund)


def _assert_head_office(db, output, now):
    """Repairs filed by a sales rep, priced from the dealer's tables, one decided with its old
    part taken in by the sales company, one with its part still to take in; every work queue of
    the cases and the take-in queue has something in it, for the role that works it."""
    from types import SimpleNamespace

    import sqlalchemy as sa

    from portal.accounts.models import User
    from portal.accounts.roles import Role
    from portal.catalog.models import LabourRate
    from portal.claims.models import Claim, ClaimStatus, LineKind
    from portal.returns.models import OwedPart, OwedStatus

    assert "2 repairs by head office" in output
    claims = db.session.scalars(sa.select(Claim).where(Claim.filed_by_head_office)
                                .order_by(Claim.id)).all()
    assert len(claims) == 2 and all(c.created_by.role == Role.SALES_REP for c in claims)
    assert [c.status for c in claims] == [ClaimStatus.APPROVED, ClaimStatus.SUBMITTED]
    for claim in claims:
        labour = next(line for line in claim.lines if line.kind == LineKind.LABOUR)
        assert labour.hourly_rate == db.session.get(LabourRate, claim.dealer.grade).hourly_rate
        assert claim.photos and claim.signature and claim.finance_stage is None
    parts = {c.id: db.session.scalars(sa.select(OwedPart).where(OwedPart.claim_id == c.id))
             .all() for c in claims}
    taken, waiting = parts[claims[0].id], parts[claims[1].id]
    assert taken and all(p.dealer_id is None and p.status == OwedStatus.RECEIVED for p in taken)
    assert waiting and all(p.to_take_in for p in waiting)
    from portal.cases import queues as case_queues
    from portal.returns import queues as return_queues

    for queue in (*case_queues.QUEUES, return_queues.TAKE_IN):
        worker = db.session.scalar(sa.select(User).where(User.role.in_(
            [r for r in Role if queue.held_by(SimpleNamespace(role=r))])).order_by(User.id))
        assert queue.pile(worker, now).count, queue.name


def _assert_case_finance(db, output, exchange, refund):
    """The exchange's settlement approved, on a confirmed notice, its offset in the ledger
    naming the case; the refund's machine still to receive; machines back wait for finance."""
    import sqlalchemy as sa

    from portal.finance.models import LedgerEntry, NoticeStatus, SettlementStatus

    settled = exchange.settlement
    assert settled.status == SettlementStatus.WRITTEN_OFF and settled.amount > 0
    assert settled.notice.status == NoticeStatus.CONFIRMED
    assert settled.notice.exchange_refund == settled.amount
    offset = db.session.scalar(sa.select(LedgerEntry).where(
        LedgerEntry.notice_id == settled.notice_id))
    assert exchange.number in offset.memo
    assert refund.machine_received_on is None and refund.settlement is None  # for the clerk
    import re

    waiting = re.search(r"case settlements: 1 decided \(written_off 1\), (\d+) waiting", output)
    assert waiting and int(waiting.group(1)) >= 1  # the machines back, not yet settled
