"""Issuing write-off notices: the claims they take, their amounts, numbers and PDF."""

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pypdfium2
import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.catalog.models import PolicySettings
from portal.claims.models import Claim, Decision, FinanceStage, LineKind
from portal.core.audit import AuditEntry
from portal.core.db import shanghai_today
from portal.core.errors import DomainError
from portal.core.numbering import DocumentCounter, next_number
from portal.extensions import db
from portal.finance import notices
from portal.finance.models import (
    NoticeClaim,
    NoticeRun,
    RunStatus,
    WriteOffNotice,
)
from portal.finance.notices import eligible_claims, issue_notice
from tests import factories
from tests.builders import OCT_END, OCT_START, approved_claim
from tests.helpers import EngineSession, in_threads, pdf_text, queue_in


@pytest.fixture
def finance(world):
    return world.users[Role.FINANCE]


# -- numbering ----------------------------------------------------------------------------------

def test_notice_takes_the_number_of_its_shanghai_year(world, finance):
    approved_claim(world.dealer_a)
    approved_claim(world.dealer_b)
    first = issue_notice(world.dealer_a.id, OCT_START, OCT_END, actor=finance)
    second = issue_notice(world.dealer_b.id, OCT_START, OCT_END, actor=finance)
    year = shanghai_today().year
    assert (first.year, second.year) == (year, year)
    assert second.seq == first.seq + 1
    assert second.number == f"HX-{year}-{second.seq:04d}"


# -- what a notice holds ------------------------------------------------------------------------

def test_eligible_claims_are_approved_free_and_audited_by_the_period_end(world):
    dealer = world.dealer_a
    old = approved_claim(dealer, finance_on=date(2026, 7, 3))
    october = approved_claim(dealer, finance_on=OCT_END)
    approved_claim(dealer, finance_on=date(2026, 11, 1))  # after the period
    approved_claim(world.dealer_b)  # another dealer
    forwarded = approved_claim(dealer)
    forwarded.finance_stage = FinanceStage.FORWARDED
    rejected = approved_claim(dealer)
    rejected.finance_stage = FinanceStage.REJECTED
    db.session.flush()
    assert eligible_claims(dealer.id, OCT_END) == [old, october]


def test_notice_amounts_by_cost_type_and_totals(world, finance):
    dealer = world.dealer_a
    first = approved_claim(dealer, finance_on=date(2026, 10, 2), extra_lines=[
        {"kind": LineKind.OTHER, "amount": Decimal("300.00"), "paid_service": True,
         "finance_amount": Decimal("300.00")},
        {"kind": LineKind.PART, "amount": Decimal("99.00"), "decision": Decision.REJECTED,
         "approved_amount": Decimal("0.00"), "finance_amount": Decimal("99.00")},
    ])
    second = approved_claim(dealer, finance_on=date(2026, 10, 9), amounts={
        LineKind.PART: "0.05", LineKind.LABOUR: "50.00"})
    notice = issue_notice(dealer.id, OCT_START, OCT_END, actor=finance)

    rows = {row.claim_id: row for row in notice.claims}
    assert [row.claim_id for row in notice.claims] == [first.id, second.id]
    assert [row.position for row in notice.claims] == [1, 2]
    assert (rows[first.id].parts, rows[first.id].labour, rows[first.id].travel,
            rows[first.id].other, rows[first.id].total) == (
        Decimal("1200.00"), Decimal("125.00"), Decimal("80.00"), Decimal("15.50"),
        Decimal("1420.50"))
    assert rows[second.id].total == Decimal("50.05")
    assert (notice.parts, notice.labour, notice.travel, notice.other, notice.total) == (
        Decimal("1200.05"), Decimal("175.00"), Decimal("80.00"), Decimal("15.50"),
        Decimal("1470.55"))
    assert notice.status.value == "issued"
    assert (notice.period_start, notice.period_end) == (OCT_START, OCT_END)
    assert notice.issued_by_id == finance.id
    assert {first.notice_id, second.notice_id} == {notice.id}


def test_notice_keeps_snapshots_of_maker_and_dealer(world, finance):
    policy = PolicySettings.current()
    policy.maker_name, policy.maker_address = "山东重工农业装备有限公司", "潍坊市北海路1号"
    policy.maker_phone, policy.maker_tax_no = "0536-1234567", "91370700MA3C000000"
    db.session.add(policy)
    dealer = world.dealer_a
    dealer.address, dealer.contact_name, dealer.contact_phone = "历城区工业北路8号", "王五", "139"
    approved_claim(dealer)
    notice = issue_notice(dealer.id, OCT_START, OCT_END, actor=finance)
    dealer.name = "改了名的经销商"
    policy.maker_name = "新名称"
    db.session.flush()
    db.session.expire(notice)
    assert notice.maker == {"name": "山东重工农业装备有限公司", "address": "潍坊市北海路1号",
                            "phone": "0536-1234567", "tax_no": "91370700MA3C000000"}
    assert notice.dealer_details["name"] == "甲经销商"
    assert notice.dealer_details["contact_name"] == "王五"
    assert notice.dealer_details["code"] == "DA-01"


def test_issue_is_audited(world, finance):
    claim = approved_claim(world.dealer_a)
    notice = issue_notice(world.dealer_a.id, OCT_START, OCT_END, actor=finance)
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.entity_type == "write_off_notices",
        AuditEntry.entity_id == str(notice.id))).one()
    assert (entry.action, entry.to_state, entry.actor_id) == ("issue", "issued", finance.id)
    assert entry.changes["claims"] == [None, [claim.number]]


def test_no_eligible_claim_means_no_notice_and_no_number(world, finance):
    key = ("notice", shanghai_today().year)
    before = db.session.get(DocumentCounter, key)
    last = before.last if before else 0
    assert issue_notice(world.dealer_a.id, OCT_START, OCT_END, actor=finance) is None
    counter = db.session.get(DocumentCounter, key)
    assert (counter.last if counter else 0) == last


def test_period_must_not_end_before_it_starts(world, finance):
    with pytest.raises(DomainError):
        issue_notice(world.dealer_a.id, OCT_END, OCT_START, actor=finance)


# -- a claim is never in two notices ------------------------------------------------------------

def test_issuing_twice_finds_nothing_the_second_time(world, finance):
    claim = approved_claim(world.dealer_a)
    first = issue_notice(world.dealer_a.id, OCT_START, OCT_END, actor=finance)
    assert issue_notice(world.dealer_a.id, OCT_START, OCT_END, actor=finance) is None
    assert claim.notice_id == first.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NoticeClaim)
                             .where(NoticeClaim.claim_id == claim.id)) == 1


def _issue_after_a_rival(dealer, finance, monkeypatch, rival_change: dict):
    """Read the eligible claims, let a rival change one behind our back, then issue."""
    read = eligible_claims(dealer.id, OCT_END)
    db.session.execute(sa.update(Claim).where(Claim.id == read[-1].id).values(**rival_change)
                       .execution_options(synchronize_session=False))
    monkeypatch.setattr(notices, "eligible_claims", lambda *args: read)
    savepoint = db.session.begin_nested()
    with pytest.raises(DomainError):
        issue_notice(dealer.id, OCT_START, OCT_END, actor=finance)
    savepoint.rollback()
    db.session.expire_all()
    return read


def test_a_claim_another_notice_took_meanwhile_makes_the_issue_fail(world, finance,
                                                                      monkeypatch):
    dealer = world.dealer_a
    approved_claim(dealer)
    approved_claim(dealer)
    approved_claim(world.dealer_b)
    rival = issue_notice(world.dealer_b.id, OCT_START, OCT_END, actor=finance)
    first, second = _issue_after_a_rival(dealer, finance, monkeypatch, {"notice_id": rival.id})
    assert (first.notice_id, second.notice_id) == (None, rival.id)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WriteOffNotice)
                             .where(WriteOffNotice.dealer_id == dealer.id)) == 0


def test_a_claim_changed_meanwhile_makes_the_issue_fail(world, finance, monkeypatch):
    approved_claim(world.dealer_a)
    approved_claim(world.dealer_a)
    read = _issue_after_a_rival(world.dealer_a, finance, monkeypatch,
                                {"version": Claim.version + 1})
    monkeypatch.undo()
    assert [c.notice_id for c in read] == [None, None]
    assert eligible_claims(world.dealer_a.id, OCT_END) == read


# -- the document -------------------------------------------------------------------------------

def test_pdf_shows_dealer_number_amounts_and_capital_total(world, finance):
    dealer = world.dealer_a
    approved_claim(dealer, amounts={LineKind.PART: "10000.00", LineKind.LABOUR: "2345.67"})
    notice = issue_notice(dealer.id, OCT_START, OCT_END, actor=finance)
    pdf = notice.document.pdf
    assert pdf.startswith(b"%PDF")
    assert len(pdf) < 300_000
    text = pdf_text(pdf)
    for expected in ("甲经销商", notice.number, "10,000.00", "2,345.67", "12,345.67",
                     "壹万贰仟叁佰肆拾伍元陆角柒分"):
        assert expected in text, expected


def test_many_claims_flow_to_more_pages(world, finance):
    unit = factories.make_unit(dealer=world.dealer_a)
    for _ in range(70):
        approved_claim(world.dealer_a, unit=unit)
    notice = issue_notice(world.dealer_a.id, OCT_START, OCT_END, actor=finance)
    pdf = pypdfium2.PdfDocument(notice.document.pdf)
    assert len(pdf) >= 2
    second_page = pdf[1].get_textpage().get_text_range()
    assert unit.serial in second_page
    assert len(notice.document.pdf) < 1_000_000


# -- truly concurrent issuers: own connections that commit --------------------------------------

@pytest.fixture
def committing(app, monkeypatch):
    """``db.session`` on a fresh engine, one session per app context (so per thread), committing
    for real. The rolled-back test transaction is bypassed, so everything made is deleted after.
    """
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=10)
    scoped = db._make_scoped_session({"bind": engine, "class_": EngineSession})
    monkeypatch.setattr(db, "session", scoped)
    made = {}
    yield made
    scoped.remove()
    with engine.begin() as conn:
        _delete_committed(conn, made)
    engine.dispose()


def _forget_tallies(conn, dealers):
    """The return-visit tallies the committed claims added (the deletes above bypass the
    services that keep them in step): the dealers' go, every day's are summed again."""
    from portal.service.models import VisitDayTally, VisitTally
    from portal.service.visit_tallies import FIGURES, _day_totals

    conn.execute(sa.delete(VisitTally).where(VisitTally.dealer_id.in_(dealers)))
    conn.execute(sa.delete(VisitDayTally))
    conn.execute(sa.insert(VisitDayTally).from_select(["day", *FIGURES], _day_totals()))


def _delete_committed(conn, made):
    from portal.accounts.models import User
    from portal.catalog.models import ProductModel
    from portal.claims.models import ClaimLine
    from portal.dealers.models import Dealer
    from portal.finance.models import DealerCost, DealerModelCost, NoticeDocument
    from portal.units.models import Unit

    dealers, users = made.get("dealers", []), made.get("users", [])
    notices = sa.select(WriteOffNotice.id).where(WriteOffNotice.dealer_id.in_(dealers))
    claims = sa.select(Claim.id).where(Claim.dealer_id.in_(dealers))
    conn.execute(sa.delete(AuditEntry).where(AuditEntry.actor_id.in_(users)))
    conn.execute(sa.update(Claim).where(Claim.dealer_id.in_(dealers)).values(notice_id=None))
    conn.execute(sa.delete(NoticeDocument).where(NoticeDocument.notice_id.in_(notices)))
    conn.execute(sa.delete(NoticeClaim).where(NoticeClaim.notice_id.in_(notices)))
    conn.execute(sa.delete(WriteOffNotice).where(WriteOffNotice.dealer_id.in_(dealers)))
    conn.execute(sa.delete(ClaimLine).where(ClaimLine.claim_id.in_(claims)))
    conn.execute(sa.delete(Claim).where(Claim.dealer_id.in_(dealers)))
    conn.execute(sa.delete(Unit).where(Unit.dealer_id.in_(dealers)))
    _forget_tallies(conn, dealers)
    conn.execute(sa.delete(ProductModel).where(ProductModel.id.in_(made.get("models", []))))
    # Cost totals the claims' audits would keep (none today: the claims are set approved).
    conn.execute(sa.delete(DealerCost).where(DealerCost.dealer_id.in_(dealers)))
    conn.execute(sa.delete(DealerModelCost).where(DealerModelCost.dealer_id.in_(dealers)))
    conn.execute(sa.delete(Dealer).where(Dealer.id.in_(dealers)))
    conn.execute(sa.delete(NoticeRun).where(NoticeRun.started_by_id.in_(users)))
    conn.execute(sa.delete(User).where(User.id.in_(users)))
    conn.execute(sa.delete(DocumentCounter).where(DocumentCounter.kind == "notice",
                                                  DocumentCounter.year.in_(made.get("years", []))))


def test_concurrent_numbering_is_gapless_and_unique(app, committing):
    year = 2091
    committing["years"] = [year]

    def take(i):
        seq, _number = next_number("notice", datetime(year, 6, 1, tzinfo=UTC))
        if i % 3 == 2:
            raise RuntimeError("this issue failed")  # rolled back: its number is given back
        db.session.commit()
        return seq

    results = in_threads(app, take, 9)
    seqs = [r for r in results if isinstance(r, int)]
    assert sorted(seqs) == list(range(1, 7))
    assert sum(isinstance(r, RuntimeError) for r in results) == 3
    with app.app_context():
        assert db.session.get(DocumentCounter, ("notice", year)).last == 6


def test_concurrent_generation_gives_each_claim_one_notice(app, committing):
    """Eight issuers, two per dealer, racing. PostgreSQL queues them on the counter and claim
    row locks: every dealer gets exactly one notice. SQLite has one writer at a time and a
    transaction that read before another committed cannot write: it fails ("database is
    locked") instead of queueing, so there some dealers get none, but still never a claim in
    two notices or a gap in the numbers."""
    with app.app_context():
        finance = factories.make_user(Role.FINANCE)
        dealers = [factories.make_dealer() for _ in range(4)]
        model = factories.make_model()
        claims = [approved_claim(d, unit=factories.make_unit(dealer=d, model=model))
                  for d in dealers for _ in range(2)]
        committing.update(dealers=[d.id for d in dealers], users=[finance.id],
                          models=[model.id], years=[shanghai_today().year])
        db.session.commit()
        finance_id, dealer_ids = finance.id, [d.id for d in dealers]
        claim_ids = {d.id: [c.id for c in claims if c.dealer_id == d.id] for d in dealers}
        sqlite = db.session.get_bind().dialect.name == "sqlite"
        db.session.remove()

    def issue(i):
        actor = db.session.get(User, finance_id)
        notice = issue_notice(dealer_ids[i % 4], OCT_START, OCT_END, actor=actor)
        db.session.commit()
        return notice and (notice.dealer_id, notice.seq)

    results = in_threads(app, issue, 8)
    made = [r for r in results if isinstance(r, tuple)]
    outcomes = (tuple, DomainError, sa.exc.OperationalError) if sqlite else (tuple, DomainError)
    assert all(r is None or isinstance(r, outcomes) for r in results), results
    issued = sorted(d for d, _seq in made)
    assert issued == sorted(set(issued))  # never two notices for one dealer's claims
    assert issued == sorted(dealer_ids) or (sqlite and issued)
    seqs = sorted(seq for _d, seq in made)
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # gapless, losers rolled back
    with app.app_context():
        rows = db.session.execute(
            sa.select(Claim.dealer_id, NoticeClaim.claim_id, Claim.notice_id)
            .join(Claim, Claim.id == NoticeClaim.claim_id)
            .where(Claim.dealer_id.in_(dealer_ids))).all()
        in_notices = sorted(claim for _d, claim, _n in rows)
        assert in_notices == sorted(c for d in issued for c in claim_ids[d])  # each once
        assert all(notice_id is not None for _d, _c, notice_id in rows)


def test_a_queued_run_completes_in_a_consumer_on_its_own(app, committing, tmp_path):
    """Started runs go through the queue (a real one here, a SQLite file) and are executed
    by a consumer's worker thread, in an app context of its own."""
    from portal.core import jobs
    from portal.finance import runs, tasks

    with app.app_context():
        finance = factories.make_user(Role.FINANCE)
        dealers = [factories.make_dealer() for _ in range(2)]
        for dealer in dealers:
            approved_claim(dealer)
        committing.update(dealers=[d.id for d in dealers], users=[finance.id],
                          years=[shanghai_today().year])
        run = runs.start_run(OCT_START, OCT_END, actor=finance)
        db.session.commit()
        run_id = run.id
        db.session.remove()
    with queue_in(app, f"sqlite:///{tmp_path / 'jobs.sqlite3'}"):
        tasks.notice_run(run_id)
        assert jobs.huey.pending_count() == 1
        consumer = threading.Thread(target=lambda: jobs.huey.execute(jobs.huey.dequeue()))
        consumer.start()
        consumer.join(timeout=60)
    assert not consumer.is_alive()
    with app.app_context():
        run = db.session.get(NoticeRun, run_id)
        assert (run.status, run.dealers_done, run.notices_made) == (RunStatus.DONE, 2, 2)
        db.session.remove()


def test_the_sheet_renders_with_a_fixed_number_of_queries(world, finance, app):
    from flask import render_template

    from tests.case_builders import discount_standard, settled_case
    from tests.helpers import QueryCounter

    discount_standard()

    def queries_for(n):
        dealer = factories.make_dealer()
        for _ in range(n):
            approved_claim(dealer)
            settled_case(world, dealer=dealer)
        notice_id = issue_notice(dealer.id, OCT_START, OCT_END, actor=finance).id
        db.session.expire_all()
        with QueryCounter(db.engine) as counter:
            notice = db.session.scalars(sa.select(WriteOffNotice).where(
                WriteOffNotice.id == notice_id).options(*notices.sheet_options())).one()
            html = render_template("finance/_notice_sheet.html", notice=notice)
            released = [row.case.settlement.notice_id for row in notice.cases]  # the page's
        assert notice.number in html and len(released) == n
        return counter.count

    assert queries_for(1) == queries_for(6)


def test_the_number_belongs_to_the_year_of_issue(world):
    """A notice issued late on 31 December in Shanghai takes that year's number."""
    claim = approved_claim(world.dealer_a)
    eve = datetime(2030, 12, 31, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    notice = issue_notice(world.dealer_a.id, date(2030, 12, 1), date(2030, 12, 31),
                          actor=world.users[Role.FINANCE], now=eve)
    assert notice.number == "HX-2030-0001" and notice.issued_at == eve
    assert claim.notice_id == notice.id


def test_a_long_notice_prints_inside_its_margins(world, finance):
    """Many claims with large amounts, a long dealer name and case settlements: every word lies
    inside the 15 mm side margins (A4 is 595 pt wide; the margin ends at 552.8 pt)."""
    from tests.case_builders import discount_standard, settled_case
    from tests.helpers import pdf_layout_problems, pdf_text_right_edge

    discount_standard()
    dealer = factories.make_dealer(
        name="黑龙江省齐齐哈尔市富拉尔基区北大荒农业机械销售服务有限责任公司")
    amounts = {LineKind.PART: "123456.78", LineKind.LABOUR: "12345.67",
               LineKind.TRAVEL: "9876.54", LineKind.OTHER: "8765.43"}
    for _ in range(30):
        approved_claim(dealer, amounts=amounts)
    for _ in range(3):
        settled_case(world, dealer=dealer)
    notice = issue_notice(dealer.id, OCT_START, OCT_END, actor=finance)
    pdf = notice.document.pdf
    assert pdf_layout_problems(pdf) == []
    assert pdf_text_right_edge(pdf) <= 595 - 15 / 25.4 * 72 + 0.5
    assert notice.cases and f"{notice.parts:,.2f}" in pdf_text(pdf)
