"""Case settlements on write-off notices: the 包换包退 cost type, taken once (guarded like the
claims), a dealer with only a case gets a notice, a negative settlement lowers the total (and a
negative notice raises the receivable once confirmed), void and reissue, the run, the sheet and
its PDF, the API."""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.cases.finance import settle_case
from portal.core.audit import AuditEntry
from portal.core.errors import DomainError
from portal.extensions import db
from portal.finance import lifecycle, runs
from portal.finance.immutability import NoticeLocked
from portal.finance.models import (
    CaseSettlement,
    LedgerEntry,
    NoticeCase,
    NoticeRun,
    SettlementStatus,
)
from portal.finance.notices import eligible_summary, issue_notice
from tests import factories
from tests.builders import OCT_END, OCT_START, approved_claim
from tests.case_builders import at, completed_case, discount_standard, settled_case
from tests.helpers import EngineSession, in_threads, pdf_text

SETTLED = date(2026, 10, 12)  # 5 whole months after the sale: 95 %


@pytest.fixture(autouse=True)
def english(app):
    with force_locale("en"):
        yield


@pytest.fixture
def standard(db):
    discount_standard()


def _finance(world):
    return world.users[Role.FINANCE]


def _issue(world, dealer=None):
    return issue_notice((dealer or world.dealer_a).id, OCT_START, OCT_END,
                        actor=_finance(world))


def _dearer_exchange(world, day=SETTLED):
    """An exchange with a factory machine at 95 %: credit 76 000 − machine 80 000 = −4 000."""
    factory = factories.make_unit(model=factories.make_model(dealer_price=Decimal("80000")),
                                  dealer=None)
    return settled_case(world, "exchange", day, replacement=factory)


def test_the_notice_carries_the_cases_as_their_own_cost_type(world, standard):
    claim = approved_claim(world.dealer_a)  # 1 420.50
    case = settled_case(world)  # refund at 95 %: 76 000
    notice = _issue(world)
    assert notice.exchange_refund == Decimal("76000.00")
    assert notice.total == claim.total_finance + Decimal("76000.00")
    assert (notice.parts, notice.labour) == (Decimal("1200.00"), Decimal("125.00"))
    [row] = notice.cases
    assert (row.case_id, row.position, row.amount) == (case.id, 1, Decimal("76000.00"))
    assert case.settlement.notice_id == notice.id
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "issue")).one()
    assert entry.changes["cases"][1] == [case.number]
    assert _issue(world) is None  # taken: nothing left to issue


def test_a_dealer_with_only_a_case_gets_a_notice(world, standard):
    case = settled_case(world, dealer=world.dealer_b)
    assert runs.dealers_to_notify(OCT_END) == [world.dealer_b.id]
    assert eligible_summary(OCT_END) == [(world.dealer_b, 1, Decimal("76000.00"))]
    notice = _issue(world, world.dealer_b)
    assert notice is not None and notice.claims == []
    assert (notice.exchange_refund, notice.total) == (case.settlement.amount,) * 2


def test_only_approved_settlements_of_the_period_are_taken(world, standard):
    later = settled_case(world, day=date(2026, 11, 3))  # settled after the period
    refused = completed_case(world, "refund", SETTLED)
    settle_case(refused, False, "鉴定为使用不当", actor=_finance(world), now=at(SETTLED))
    waiting = completed_case(world, "refund", SETTLED)  # no decision yet
    db.session.flush()
    assert _issue(world) is None
    summary = {d.id: (n, t) for d, n, t in eligible_summary(date(2026, 11, 30))}
    assert summary[world.dealer_a.id] == (1, later.settlement.amount)
    assert waiting.settlement is None


def test_a_negative_settlement_lowers_the_total(world, standard):
    claim = approved_claim(world.dealer_a)
    case = _dearer_exchange(world)
    assert case.settlement.amount == Decimal("-4000.00")
    notice = _issue(world)
    assert notice.exchange_refund == Decimal("-4000.00")
    assert notice.total == claim.total_finance - Decimal("4000.00")


def test_a_negative_notice_is_issued_and_its_offset_raises_the_receivable(world, standard):
    case = _dearer_exchange(world)
    notice = _issue(world)
    assert notice.total == Decimal("-4000.00")
    text = pdf_text(notice.document.pdf)
    assert case.number in text and "-4,000.00" in text  # the case's line, signed
    assert "经销商应付合计" in text and "肆仟元整" in text  # the PDF is in the portal's language
    entry = lifecycle.confirm_notice(notice, actor=world.users[Role.DEALER_ADMIN],
                                     now=at(date(2026, 11, 5)))
    db.session.flush()
    assert entry.amount == Decimal("4000.00")  # the dealer's receivable goes up
    assert case.number in entry.memo


def test_confirming_writes_the_settlements_off_and_locks_them(world, standard):
    case = settled_case(world)
    notice = _issue(world)
    entry = lifecycle.confirm_notice(notice, actor=world.users[Role.DEALER_ADMIN],
                                     now=at(date(2026, 11, 5)))
    db.session.flush()
    assert entry.amount == Decimal("-76000.00") and case.number in entry.memo
    assert case.settlement.status == SettlementStatus.WRITTEN_OFF
    case.settlement.amount = Decimal("1.00")
    with pytest.raises(NoticeLocked):
        db.session.flush()
    db.session.rollback()


def test_voiding_releases_the_settlements_for_the_reissue(world, standard):
    case = settled_case(world)
    notice = _issue(world)
    new = lifecycle.void_and_reissue(notice, "金额有误", actor=_finance(world))
    db.session.flush()
    assert case.settlement.notice_id == new.id and new.exchange_refund == Decimal("76000.00")
    assert [row.case_id for row in notice.cases] == [case.id]  # the voided one keeps its history


def test_a_settlement_changed_after_issue_stops_the_confirmation(world, standard):
    settled_case(world)
    notice = _issue(world)
    db.session.execute(sa.update(CaseSettlement).values(status=SettlementStatus.REFUSED))
    db.session.expire_all()
    with pytest.raises(DomainError, match="case settlements of notice"):
        lifecycle.confirm_notice(notice, actor=world.users[Role.DEALER_ADMIN])


def test_another_issuer_taking_the_settlement_meanwhile_fails_the_issue(world, standard,
                                                                     monkeypatch):
    case = settled_case(world)
    from portal.finance import notices

    real = notices.eligible_settlements

    def stale(dealer_id, period_end):
        found = real(dealer_id, period_end)
        db.session.execute(sa.update(CaseSettlement).values(version=CaseSettlement.version + 1)
                           .execution_options(synchronize_session=False))
        return found

    monkeypatch.setattr(notices, "eligible_settlements", stale)
    with pytest.raises(DomainError, match="case settlements were put in another notice"):
        _issue(world)
    assert case.settlement.notice_id is None


def test_the_run_issues_a_case_only_dealer(world, standard):
    settled_case(world, dealer=world.dealer_b)
    run = runs.start_run(OCT_START, OCT_END, actor=_finance(world))
    db.session.flush()
    assert run.dealers_total == 1
    runs.execute_run(run.id)
    assert db.session.get(NoticeRun, run.id).notices_made == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NoticeCase)) == 1


def test_the_sheet_and_the_api_show_the_cases(world, standard, client, login, api):
    case = settled_case(world)
    approved_claim(world.dealer_a)
    notice = _issue(world)
    db.session.commit()
    login(world.users[Role.DEALER_ADMIN])
    page = client.get(f"/finance/notices/{notice.number}")
    assert case.number in page.text and "76,000.00" in page.text
    answer = api("GET", f"/notices/{notice.number}", Role.DEALER_ADMIN).json
    assert answer["exchange_refund"] == "76000.00"
    assert answer["cases"] == [{"number": case.number, "kind": "refund",
                                "serial": case.unit.serial, "amount": "76000.00"}]
    assert answer["total"] == str(notice.total)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == 0


# -- truly concurrent issuers: own connections that commit (as in tests/test_notices.py) ----------

@pytest.fixture
def committing(app, monkeypatch):
    """``db.session`` on a fresh engine, one session per thread, committing for real; what was
    made is deleted after."""
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=10)
    scoped = db._make_scoped_session({"bind": engine, "class_": EngineSession})
    monkeypatch.setattr(db, "session", scoped)
    made = {}
    yield made
    scoped.remove()
    with engine.begin() as conn:
        _delete_committed(conn, made)
    engine.dispose()


def _delete_committed(conn, made):
    from portal.accounts.models import User
    from portal.cases.models import SanbaoCase
    from portal.catalog.models import ProductModel
    from portal.core.numbering import DocumentCounter
    from portal.dealers.models import Dealer
    from portal.finance.models import NoticeDocument, WriteOffNotice
    from portal.units.cards import WarrantyCard
    from portal.units.models import Unit

    dealers, users = made["dealers"], made["users"]
    notices = sa.select(WriteOffNotice.id).where(WriteOffNotice.dealer_id.in_(dealers))
    conn.execute(sa.delete(AuditEntry).where(AuditEntry.actor_id.in_(users)))
    conn.execute(sa.delete(NoticeCase).where(NoticeCase.notice_id.in_(notices)))
    conn.execute(sa.delete(CaseSettlement).where(CaseSettlement.dealer_id.in_(dealers)))
    conn.execute(sa.delete(NoticeDocument).where(NoticeDocument.notice_id.in_(notices)))
    conn.execute(sa.delete(WriteOffNotice).where(WriteOffNotice.dealer_id.in_(dealers)))
    conn.execute(sa.delete(SanbaoCase).where(SanbaoCase.dealer_id.in_(dealers)))
    conn.execute(sa.delete(WarrantyCard).where(WarrantyCard.dealer_id.in_(dealers)))
    conn.execute(sa.delete(Unit).where(Unit.dealer_id.in_(dealers)))
    conn.execute(sa.delete(ProductModel).where(ProductModel.id.in_(made["models"])))
    conn.execute(sa.delete(Dealer).where(Dealer.id.in_(dealers)))
    conn.execute(sa.delete(User).where(User.id.in_(users)))
    conn.execute(sa.delete(DocumentCounter).where(DocumentCounter.kind == "notice",
                                                  DocumentCounter.year.in_(made["years"])))


def _settled_as_left(dealer, finance, n):
    """A completed case with its approved settlement, as the services leave them (built
    directly: the race is over the notice, not the case)."""
    from portal.cases.models import CaseKind, CaseOrigin, CaseStatus, SanbaoCase

    unit = factories.make_unit(dealer=dealer, model=factories.make_model())
    card = factories.make_card(unit, sale_date=date(2026, 5, 10), created_by_id=finance.id)
    case = SanbaoCase(number=f"HT-T-{dealer.id}-{n}", kind=CaseKind.REFUND,
                      origin=CaseOrigin.BUYER_REQUEST, unit=unit, dealer_id=dealer.id, card=card,
                      buyer_name="张三", reason="测试", status=CaseStatus.COMPLETED,
                      requested_by_id=finance.id, completed_on=SETTLED,
                      machine_received_on=SETTLED)
    db.session.add(CaseSettlement(case=case, dealer_id=dealer.id, status="approved",
                                  amount=Decimal("1000.00"), lines=[], decided_by_id=finance.id,
                                  settled_on=SETTLED))
    db.session.flush()
    return case, unit.model


def test_concurrent_issuers_put_each_settlement_in_one_notice(app, committing):
    """Six issuers, two per dealer whose only business is case settlements. On PostgreSQL each
    dealer gets exactly one notice; on SQLite a loser fails instead of queueing. Never is a
    settlement in two notices."""
    with app.app_context():
        finance = factories.make_user(Role.FINANCE)
        dealers = [factories.make_dealer() for _ in range(3)]
        made = [_settled_as_left(d, finance, n) for d in dealers for n in range(2)]
        committing.update(dealers=[d.id for d in dealers], users=[finance.id],
                          models=[m.id for _c, m in made], years=[date.today().year])
        db.session.commit()
        finance_id, dealer_ids = finance.id, [d.id for d in dealers]
        sqlite = db.session.get_bind().dialect.name == "sqlite"
        db.session.remove()

    def issue(i):
        from portal.accounts.models import User

        notice = issue_notice(dealer_ids[i % 3], OCT_START, OCT_END,
                              actor=db.session.get(User, finance_id), with_pdf=False)
        db.session.commit()
        return notice and notice.dealer_id

    results = in_threads(app, issue, 6)
    outcomes = (int, DomainError, sa.exc.OperationalError) if sqlite else (int, DomainError)
    assert all(r is None or isinstance(r, outcomes) for r in results), results
    issued = sorted(r for r in results if isinstance(r, int))
    assert issued == sorted(set(issued))
    assert issued == sorted(dealer_ids) or (sqlite and issued)
    with app.app_context():
        rows = db.session.execute(sa.select(NoticeCase.case_id, CaseSettlement.notice_id)
                                  .join(CaseSettlement,
                                        CaseSettlement.case_id == NoticeCase.case_id)
                                  .where(CaseSettlement.dealer_id.in_(dealer_ids))).all()
        assert len(rows) == 2 * len(issued) == len({case for case, _n in rows})
        assert all(notice_id is not None for _c, notice_id in rows)


def test_a_negative_notice_says_what_the_dealer_owes_in_its_lists(world, standard, client,
                                                                 login, db):
    _dearer_exchange(world)
    notice = _issue(world)
    db.session.commit()
    login(world.users[Role.DEALER_ADMIN])
    client.post("/language", data={"lang": "en"})
    for page in ("/home/dealer", "/finance/notices"):
        html = client.get(page).get_data(as_text=True)
        assert notice.number in html and "the dealer owes ¥4,000.00" in html, page
        assert "¥-4,000.00" not in html
    page = client.get(f"/finance/notices/{notice.number}").get_data(as_text=True)
    assert "<b>the dealer owes ¥4,000.00</b>" in page  # its total; the tables stay signed
    assert "add ¥4,000.00 to what you owe?" in page
