"""After issue: the dealer confirms (offset posted, claims written off) or disputes; finance
voids (claims released) and reissues; a confirmed notice never changes again."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.claims.models import Claim, FinanceStage
from portal.core.audit import AuditEntry
from portal.core.errors import DomainError
from portal.core.versioning import StaleVersion
from portal.extensions import db
from portal.finance import lifecycle
from portal.finance.immutability import NoticeLocked
from portal.finance.models import (
    LedgerEntry,
    LedgerKind,
    NoticeClaim,
    NoticeStatus,
    WriteOffNotice,
)
from portal.finance.notice_scope import period_text, replacement_of
from portal.finance.notices import eligible_claims
from tests import factories
from tests.builders import OCT_END, approved_claim, make_notice


@pytest.fixture
def login(login, client):
    """Sign in and read the pages in English, so messages are asserted in their source text."""

    def in_english(user):
        login(user)
        client.post("/language", data={"lang": "en"})

    return in_english


@pytest.fixture(autouse=True)
def english():
    with force_locale("en"):
        yield

AMOUNTS = {"part": "1200.00", "labour": "125.00", "travel": "80.00", "other": "15.50"}


@pytest.fixture
def staff(world):
    return world.users[Role.DEALER_STAFF]


@pytest.fixture
def finance(world):
    return world.users[Role.FINANCE]


@pytest.fixture
def notice(world, finance):
    return make_notice(world.dealer_a, actor=finance)


def offsets(notice):
    return db.session.scalars(sa.select(LedgerEntry).where(
        LedgerEntry.notice_id == notice.id)).all()


def held_claims(notice):
    return db.session.scalars(sa.select(Claim).join(NoticeClaim).where(
        NoticeClaim.notice_id == notice.id).order_by(Claim.id)).all()


def actions(obj):
    return [(e.action, e.from_state, e.to_state, e.reason) for e in db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.entity_type == obj.__tablename__,
                                    AuditEntry.entity_id == str(obj.id))
        .order_by(AuditEntry.id))]


# -- confirm ----------------------------------------------------------------------------------

def test_confirm_posts_exactly_one_offset_of_minus_the_total_and_writes_claims_off(
        notice, staff):
    assert notice.total == Decimal("2841.00")
    # 17:30 UTC on 30 November is already 1 December in Shanghai.
    entry = lifecycle.confirm_notice(notice, actor=staff,
                                     now=datetime(2026, 11, 30, 17, 30, tzinfo=UTC),
                                     version=notice.version)
    db.session.commit()
    assert offsets(notice) == [entry]
    assert (entry.kind, entry.amount, entry.entry_date, entry.reference, entry.source) == (
        LedgerKind.OFFSET, Decimal("-2841.00"), date(2026, 12, 1), notice.number, "notice")
    assert entry.dealer_id == notice.dealer_id and notice.number in entry.memo
    assert entry.created_by_id == staff.id
    assert notice.status == NoticeStatus.CONFIRMED
    assert (notice.confirmed_by_id, notice.confirmed_at) == (
        staff.id, datetime(2026, 11, 30, 17, 30, tzinfo=UTC))
    claims = held_claims(notice)
    assert len(claims) == 2
    assert {c.finance_stage for c in claims} == {FinanceStage.WRITTEN_OFF}
    assert {c.notice_id for c in claims} == {notice.id}
    assert actions(notice)[-1] == ("confirm", "issued", "confirmed", "")
    assert actions(claims[0])[-1][0] == "write_off"


def test_confirm_twice_is_refused_and_posts_nothing_more(notice, staff, world):
    lifecycle.confirm_notice(notice, actor=staff)
    with pytest.raises(lifecycle.WrongState):
        lifecycle.confirm_notice(notice, actor=world.users[Role.DEALER_ADMIN])
    assert len(offsets(notice)) == 1


@pytest.mark.parametrize("who", [Role.FINANCE, Role.SALES_REP, Role.ADMIN, "dealer_b"])
def test_only_the_dealers_own_staff_confirm_or_dispute(notice, world, who):
    actor = world.dealer_b_admin if who == "dealer_b" else world.users[who]
    with pytest.raises(DomainError):
        lifecycle.confirm_notice(notice, actor=actor)
    with pytest.raises(DomainError):
        lifecycle.dispute_notice(notice, "wrong", actor=actor)
    assert notice.status == NoticeStatus.ISSUED and offsets(notice) == []


def test_a_notice_read_before_someone_else_changed_it_is_refused(notice, staff):
    with pytest.raises(StaleVersion):
        lifecycle.confirm_notice(notice, actor=staff, version=notice.version - 1)


def test_confirm_is_refused_when_the_claims_changed_under_the_notice(notice, staff):
    claim = held_claims(notice)[0]
    claim.finance_stage = FinanceStage.REJECTED
    with pytest.raises(DomainError, match="void and reissue"):
        lifecycle.confirm_notice(notice, actor=staff)
    assert offsets(notice) == []


# -- dispute, void, reissue -------------------------------------------------------------------

@pytest.mark.parametrize("reason", ["", "   ", None])
def test_dispute_needs_a_reason(notice, staff, reason):
    with pytest.raises(DomainError) as refused:
        lifecycle.dispute_notice(notice, reason, actor=staff)
    assert refused.value.field == "reason"
    assert notice.status == NoticeStatus.ISSUED


def test_dispute_returns_the_notice_to_finance_with_the_reason(notice, staff):
    lifecycle.dispute_notice(notice, "  WX-1 travel is 30 km, not 60 ", actor=staff)
    assert notice.status == NoticeStatus.DISPUTED
    assert notice.dispute_reason == "WX-1 travel is 30 km, not 60"
    assert notice.disputed_by_id == staff.id and notice.disputed_at is not None
    assert actions(notice)[-1] == ("dispute", "issued", "disputed",
                                   "WX-1 travel is 30 km, not 60")
    with pytest.raises(lifecycle.WrongState):
        lifecycle.confirm_notice(notice, actor=staff)


def test_void_releases_the_claims_which_become_eligible_again(notice, staff, finance, world):
    lifecycle.dispute_notice(notice, "wrong amounts", actor=staff)
    with pytest.raises(DomainError):
        lifecycle.void_notice(notice, "x", actor=staff)
    with pytest.raises(DomainError) as refused:
        lifecycle.void_notice(notice, " ", actor=finance)
    assert refused.value.field == "reason"
    released = lifecycle.void_notice(notice, "The dealer is right", actor=finance)
    assert notice.status == NoticeStatus.VOIDED and notice.void_reason == "The dealer is right"
    assert {c.notice_id for c in released} == {None} and len(released) == 2
    assert len(notice.claims) == 2  # the rows stay as history
    assert {c.id for c in eligible_claims(world.dealer_a.id, OCT_END)} == {
        c.id for c in released}
    assert actions(notice)[-1] == ("void", "disputed", "voided", "The dealer is right")
    assert actions(released[0])[-1][0] == "release"


def test_an_issued_notice_can_be_voided_but_not_a_voided_one(notice, finance):
    lifecycle.void_notice(notice, "issued by mistake", actor=finance)
    with pytest.raises(lifecycle.WrongState):
        lifecycle.void_notice(notice, "again", actor=finance)


def test_reissue_makes_a_new_number_that_replaces_the_old(notice, finance, staff):
    with pytest.raises(lifecycle.WrongState):
        lifecycle.reissue_notice(notice, actor=finance)
    claim_ids = {c.id for c in held_claims(notice)}
    lifecycle.void_notice(notice, "wrong amounts", actor=finance)
    with pytest.raises(DomainError):
        lifecycle.reissue_notice(notice, actor=staff)
    new = lifecycle.reissue_notice(notice, actor=finance)
    db.session.flush()
    assert new.number != notice.number and new.seq == notice.seq + 1
    assert new.replaces_id == notice.id and new.status == NoticeStatus.ISSUED
    assert (new.dealer_id, new.period_start, new.period_end) == (
        notice.dealer_id, notice.period_start, notice.period_end)
    assert {c.id for c in held_claims(new)} == claim_ids
    assert {c.notice_id for c in held_claims(new)} == {new.id}
    assert replacement_of(notice) == new
    assert actions(notice)[-1][0] == "reissue"
    with pytest.raises(DomainError, match=new.number):
        lifecycle.reissue_notice(notice, actor=finance)
    lifecycle.confirm_notice(new, actor=staff)
    assert offsets(notice) == [] and len(offsets(new)) == 1


def test_reissue_with_nothing_eligible_any_more_is_refused(notice, finance):
    lifecycle.void_notice(notice, "wrong", actor=finance)
    for claim in held_claims(notice):
        claim.finance_stage = FinanceStage.REJECTED  # finance's audit rejected them meanwhile
    with pytest.raises(DomainError, match="nothing to reissue"):
        lifecycle.reissue_notice(notice, actor=finance)


def test_void_and_reissue_in_one_step(notice, finance):
    new = lifecycle.void_and_reissue(notice, "corrected", actor=finance, version=notice.version)
    assert notice.status == NoticeStatus.VOIDED and new.replaces_id == notice.id


# -- a confirmed notice never changes -------------------------------------------------------

@pytest.fixture
def confirmed(notice, staff):
    lifecycle.confirm_notice(notice, actor=staff)
    db.session.commit()
    return notice


def test_services_refuse_every_change_of_a_confirmed_notice(confirmed, staff, finance):
    for attempt in (lambda: lifecycle.confirm_notice(confirmed, actor=staff),
                    lambda: lifecycle.dispute_notice(confirmed, "late", actor=staff),
                    lambda: lifecycle.void_notice(confirmed, "late", actor=finance),
                    lambda: lifecycle.void_and_reissue(confirmed, "late", actor=finance),
                    lambda: lifecycle.reissue_notice(confirmed, actor=finance)):
        with pytest.raises(DomainError, match="can no longer change"):
            attempt()
    assert confirmed.status == NoticeStatus.CONFIRMED and len(offsets(confirmed)) == 1


def _refused(change):
    change()
    with pytest.raises(NoticeLocked):
        db.session.flush()
    db.session.rollback()


def test_the_orm_refuses_any_change_to_a_confirmed_notice(confirmed, world):
    claim = held_claims(confirmed)[0]
    other = approved_claim(world.dealer_a)
    db.session.commit()
    changes = [
        lambda: setattr(confirmed, "total", Decimal("1.00")),
        lambda: setattr(confirmed, "status", NoticeStatus.VOIDED),
        lambda: setattr(confirmed, "dispute_reason", "changed my mind"),
        lambda: db.session.delete(confirmed),
        lambda: setattr(confirmed.claims[0], "total", Decimal("1.00")),
        lambda: db.session.delete(confirmed.claims[0]),
        lambda: db.session.add(NoticeClaim(notice_id=confirmed.id, claim_id=other.id,
                                           position=9)),
        lambda: setattr(confirmed.document, "pdf", b"%PDF forged"),
        lambda: db.session.delete(confirmed.document),
        lambda: setattr(claim, "notice_id", None),
        lambda: setattr(claim, "finance_stage", FinanceStage.APPROVED),
        lambda: setattr(claim, "total_finance", Decimal("1.00")),
        lambda: setattr(offsets(confirmed)[0], "amount", Decimal("-1.00")),
        lambda: db.session.delete(offsets(confirmed)[0]),
    ]
    for change in changes:
        _refused(change)
    assert confirmed.total == Decimal("2841.00") and claim.notice_id == confirmed.id
    assert offsets(confirmed)[0].amount == Decimal("-2841.00")


def test_the_guard_leaves_everything_else_alone(confirmed, notice, world, finance):
    claim = held_claims(confirmed)[0]
    claim.description = "发动机异响 (corrected spelling)"
    db.session.flush()  # other facts of a written-off claim are not the notice's
    open_notice = make_notice(world.dealer_b, actor=finance)
    open_notice.claims[0].total = Decimal("1.00")  # an unconfirmed notice is the services' care
    held_claims(open_notice)[0].notice_id = None
    db.session.flush()


# -- pages ------------------------------------------------------------------------------------

def test_dealer_reads_and_confirms_its_notice(client, login, notice, staff):
    db.session.commit()
    login(staff)
    home = client.get("/home/dealer").get_data(as_text=True)
    assert notice.number in home and "notices-waiting" in home
    page = client.get(f"/finance/notices/{notice.number}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "hx-confirm" in body and f"/finance/notices/{notice.number}/confirm" in body
    assert f"/finance/notices/{notice.number}.pdf" in body
    assert "notice-sheet" in body  # the same sheet as the PDF
    # the dealer reads the notice and its claims before the controls that answer it
    assert body.index("notice-sheet") < body.index('id="answer"')
    assert body.index("notice-sheet") < body.index(f"/finance/notices/{notice.number}/dispute")
    assert "/void" not in body
    done = client.post(f"/finance/notices/{notice.number}/confirm",
                       data={"version": notice.version})
    assert done.status_code == 303
    assert notice.status == NoticeStatus.CONFIRMED and len(offsets(notice)) == 1
    again = client.get(f"/finance/notices/{notice.number}").get_data(as_text=True)
    assert f"/finance/notices/{notice.number}/confirm" not in again
    assert notice.number not in client.get("/home/dealer").get_data(as_text=True)


def test_a_stale_confirmation_is_refused_on_the_page(client, login, notice, staff):
    db.session.commit()
    login(staff)
    stale = client.post(f"/finance/notices/{notice.number}/confirm",
                        data={"version": notice.version - 1})
    assert stale.status_code == 422 and "Someone else changed" in stale.get_data(as_text=True)
    assert notice.status == NoticeStatus.ISSUED


def test_dispute_on_the_page_needs_a_reason(client, login, notice, staff):
    db.session.commit()
    login(staff)
    url = f"/finance/notices/{notice.number}/dispute"
    empty = client.post(url, data={"version": notice.version, "reason": " "})
    assert empty.status_code == 422
    assert "Tell finance what is wrong" in empty.get_data(as_text=True)
    assert notice.status == NoticeStatus.ISSUED
    done = client.post(url, data={"version": notice.version, "reason": "Travel is wrong"})
    assert done.status_code == 303 and notice.status == NoticeStatus.DISPUTED


def test_finance_voids_and_reissues_on_the_page(client, login, notice, finance):
    db.session.commit()
    login(finance)
    body = client.get(f"/finance/notices/{notice.number}").get_data(as_text=True)
    assert f"/finance/notices/{notice.number}/void" in body and "/confirm" not in body
    voided = client.post(f"/finance/notices/{notice.number}/void",
                         data={"version": notice.version, "reason": "Wrong"})
    assert voided.status_code == 303 and notice.status == NoticeStatus.VOIDED
    assert "/reissue" in client.get(voided.headers["Location"]).get_data(as_text=True)
    reissued = client.post(f"/finance/notices/{notice.number}/reissue", data={"x": "1"})
    new = replacement_of(notice)
    assert reissued.status_code == 303 and reissued.headers["Location"].endswith(new.number)
    new_page = client.get(reissued.headers["Location"]).get_data(as_text=True)
    assert f"/finance/notices/{notice.number}\"" in new_page  # "replaces" links back
    old_page = client.get(f"/finance/notices/{notice.number}").get_data(as_text=True)
    assert f"/finance/notices/{new.number}\"" in old_page and "/reissue" not in old_page


def test_void_and_reissue_from_one_form(client, login, notice, finance):
    db.session.commit()
    login(finance)
    done = client.post(f"/finance/notices/{notice.number}/void",
                       data={"version": notice.version, "reason": "Wrong", "then": "reissue"})
    new = replacement_of(notice)
    assert done.status_code == 303 and done.headers["Location"].endswith(new.number)


def test_pdf_is_the_stored_document_named_by_its_number(client, login, notice, world):
    db.session.commit()
    for user in (world.users[Role.DEALER_STAFF], world.users[Role.SALES_REP],
                 world.users[Role.FINANCE]):
        login(user)
        pdf = client.get(f"/finance/notices/{notice.number}.pdf")
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        assert pdf.data == notice.document.pdf
        assert f"filename={notice.number}.pdf" in pdf.headers["Content-Disposition"]


@pytest.mark.parametrize("who", ["dealer_b", "rep_b"])
def test_another_dealer_gets_404_for_page_pdf_and_actions(client, login, notice, world, who):
    db.session.commit()
    login(world.dealer_b_admin if who == "dealer_b" else world.rep_b)
    for method, url in (("GET", ""), ("GET", ".pdf"), ("POST", "/confirm"),
                        ("POST", "/dispute")):
        response = client.open(f"/finance/notices/{notice.number}{url}", method=method,
                               data={"version": notice.version, "reason": "x"})
        assert response.status_code in (404, 403), (url, response.status_code)
        if who == "dealer_b":
            assert response.status_code == 404
    assert notice.status == NoticeStatus.ISSUED


def test_list_rows_show_the_notice_and_its_dealer(client, login, world, finance, notice):
    """The list reads plain rows (no notice records): each row still names the notice, its
    status, period, dealer (code and name) and total; the queue's page and the dealer's box
    of notices waiting for it show the same."""
    login(finance)
    for url in ("/finance/notices", "/finance/notices?queue=notices_issued&status=issued"):
        rows = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
        row = next(r for r in re.findall(r"<tr>(.*?)</tr>", rows, re.S) if notice.number in r)
        assert f"{world.dealer_a.code} {world.dealer_a.name}" in row, url
        assert notice.status.title in row and period_text(
            notice.period_start, notice.period_end) in row
        assert f"{notice.total:,}" in row
    login(world.users[Role.DEALER_STAFF])
    box = client.get("/finance/notices").get_data(as_text=True).split('id="notices-waiting"')[1]
    assert notice.number in box.split("</section>")[0]


def test_list_is_scoped_and_filtered(client, login, world, finance, notice):
    other = make_notice(world.dealer_b, 1, actor=finance)
    lifecycle.dispute_notice(other, "no", actor=world.dealer_b_admin)
    db.session.commit()
    login(world.users[Role.DEALER_STAFF])
    mine = client.get("/finance/notices").get_data(as_text=True)
    assert notice.number in mine and other.number not in mine
    assert "notices-waiting" in mine  # what waits for the dealer stands out
    login(world.users[Role.SALES_REP])
    assert other.number not in client.get("/finance/notices").get_data(as_text=True)
    login(finance)
    every = client.get("/finance/notices").get_data(as_text=True)
    assert notice.number in every and other.number in every and "notices-waiting" not in every
    rows = client.get("/finance/notices?status=disputed", headers={"HX-Request": "true"})
    assert other.number in rows.get_data(as_text=True)
    assert notice.number not in rows.get_data(as_text=True)
    assert notice.number in client.get(
        f"/finance/notices?dealer={world.dealer_a.id}").get_data(as_text=True)
    assert other.number not in client.get(
        f"/finance/notices?dealer={world.dealer_a.id}").get_data(as_text=True)
    assert notice.number in client.get("/finance/notices?period=2026-10").get_data(as_text=True)
    assert notice.number not in client.get(
        "/finance/notices?period=2026-09").get_data(as_text=True)
    assert client.get("/finance/notices?period=nonsense").status_code == 200
    login(world.users[Role.CLERK])
    assert client.get("/finance/notices").status_code == 403


def test_each_row_shows_the_notice_and_show_more_reaches_every_one(app, client, login, world,
                                                                   finance, notice):
    """The list reads plain columns (not whole notices): each row still names its dealer, status,
    period and total, and its own queue and "show more" reach every notice a page at a time."""
    other = make_notice(world.dealer_b, 1, actor=finance)
    db.session.commit()
    login(finance)
    app.config["PAGE_SIZE"], size = 1, app.config["PAGE_SIZE"]
    try:
        first = client.get("/finance/notices", headers={"HX-Request": "true"})
        more = re.search(r'<tr class="more".*?hx-get="([^"]+)"', first.get_data(as_text=True),
                         re.S).group(1).replace("&amp;", "&")
        second = client.get(more, headers={"HX-Request": "true"}).get_data(as_text=True)
        queue = client.get("/finance/notices?queue=notices_issued&status=issued",
                           headers={"HX-Request": "true"}).get_data(as_text=True)
    finally:
        app.config["PAGE_SIZE"] = size
    first = first.get_data(as_text=True)
    assert other.number in first and notice.number in second and notice.number not in first
    for body, shown in ((first, other), (second, notice)):
        assert f"{shown.dealer.code} {shown.dealer.name}" in body
        assert f"¥{shown.total:,.2f}" in body and period_text(
            shown.period_start, shown.period_end) in body
        assert f'<span class="badge warn">{shown.status.title}</span>' in body
    assert notice.number in queue and "Show more" in queue  # oldest first


def test_list_pages_by_keyset(client, login, world, finance, app, monkeypatch):
    for dealer in (world.dealer_a, world.dealer_b, factories.make_dealer()):
        make_notice(dealer, 1, actor=finance)
    db.session.commit()
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    login(finance)
    from tests.helpers import walk_pages

    seen = walk_pages(client, "/finance/notices", r"HX-\d{4}-\d{4}")
    numbers = db.session.scalars(sa.select(WriteOffNotice.number)
                                 .order_by(WriteOffNotice.id.desc())).all()
    assert seen == numbers


def test_period_text():
    assert period_text(date(2026, 10, 1), date(2026, 10, 31)) == "2026-10"
    assert period_text(date(2026, 12, 1), date(2026, 12, 31)) == "2026-12"
    assert period_text(date(2028, 2, 1), date(2028, 2, 29)) == "2028-02"
    assert period_text(date(2026, 10, 1), date(2026, 10, 30)) == "2026-10-01/2026-10-30"
    assert period_text(date(2026, 10, 1), date(2026, 12, 31)) == "2026-10-01/2026-12-31"


def test_list_and_notice_pages_do_not_grow_with_rows(client, login, world, finance, db):
    from tests.helpers import QueryCounter

    def count(url):
        with QueryCounter(db.engine) as counter:
            assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
        return counter.count

    first = make_notice(world.dealer_a, 1, actor=finance)
    db.session.commit()
    login(finance)
    count("/finance/notices")
    few = (count("/finance/notices"), count(f"/finance/notices/{first.number}"))
    for dealer in (world.dealer_b, factories.make_dealer(), factories.make_dealer()):
        make_notice(dealer, 1, actor=finance)
    lifecycle.void_notice(first, "more claims", actor=finance)
    for _ in range(4):
        approved_claim(world.dealer_a)
    bigger = lifecycle.reissue_notice(first, actor=finance)
    db.session.commit()
    assert len(bigger.claims) == 5
    assert (count("/finance/notices"), count(f"/finance/notices/{bigger.number}")) == (
        few[0], few[1] + 1)  # the bigger one links back to the notice it replaces


def _claim_cells(html: str) -> list[list[str]]:
    """The text of each cell of the sheet's claim rows."""
    body = html.split('class="notice-claims"', 1)[1].split("<tbody>", 1)[1].split("</tbody>")[0]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(
        r"<td[^>]*>(.*?)</td>", row, re.S)] for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_the_page_shows_each_claim_as_the_pdf_does(client, login, world, finance, app):
    """The page reads the sheet's rows as plain columns, the PDF from the records: the same
    cells (number, serial, model, repair date, amounts); a released claim says so on screen."""
    from portal.finance.documents import notice_html

    notice = make_notice(world.dealer_a, 3, actor=finance)
    db.session.commit()
    with force_locale("en"):
        pdf_rows = _claim_cells(notice_html(notice))
    claim = notice.claims[0].claim
    assert pdf_rows[0][1:5] == [claim.number, claim.unit.serial, claim.unit.model.code,
                                (claim.completed_on or claim.failure_date).isoformat()]
    login(finance)
    page = client.get(f"/finance/notices/{notice.number}").get_data(as_text=True)
    assert _claim_cells(page) == pdf_rows and len(pdf_rows) == 3
    lifecycle.void_notice(notice, "The dealer is right", actor=finance)
    db.session.commit()
    page = client.get(f"/finance/notices/{notice.number}").get_data(as_text=True)
    assert [row[1] for row in _claim_cells(page)] == [f"{row[1]} Released" for row in pdf_rows]


def test_the_page_lists_the_claims_a_page_at_a_time(client, login, world, finance, app,
                                                    monkeypatch):
    """Its totals and its sheet's footer over all claims, the claims a page at a time, each
    reached by "Show more" (the fragment of rows only); the PDF lists them all."""
    notice = make_notice(world.dealer_a, 5, actor=finance)
    db.session.commit()
    numbers = [row.claim.number for row in notice.claims]
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    login(finance)
    page = client.get(f"/finance/notices/{notice.number}").get_data(as_text=True)
    assert re.findall(r'href="/claims/\d+">([^<]+)</a>', page) == numbers[:2]
    assert "Total of 5 claims" in page and "the first 2 of the 5 repair records" in page
    assert f"{notice.total:,.2f}" in page  # the total, in figures (and in words below it)
    seen, url = [], f"/finance/notices/{notice.number}"
    while url:
        body = client.get(url, headers={"HX-Request": "true"} if seen else {}).get_data(
            as_text=True)
        assert seen == [] or "<html" not in body  # the next rows only
        seen += re.findall(r'href="/claims/\d+">([^<]+)</a>', body)
        match = re.search(r'hx-get="(/finance/notices/[^"]+after=[^"]+)"', body)
        url = match.group(1).replace("&amp;", "&") if match else None
    assert seen == numbers
    # Without htmx each later page is a whole page (the last one with no "Show more"): its
    # footer still counts every claim.
    url, pages = f"/finance/notices/{notice.number}", 0
    while url:
        body = client.get(url).get_data(as_text=True)
        assert "Total of 5 claims" in body
        match = re.search(r'href="(/finance/notices/[^"]+after=[^"]+)"', body)
        url, pages = (match.group(1).replace("&amp;", "&") if match else None), pages + 1
    assert pages == 3
    # One page holds them all: counted from that page, the same footer, no "first of" line.
    monkeypatch.setitem(app.config, "PAGE_SIZE", 5)
    page = client.get(f"/finance/notices/{notice.number}").get_data(as_text=True)
    assert "Total of 5 claims" in page and "repair records. “Show" not in page
