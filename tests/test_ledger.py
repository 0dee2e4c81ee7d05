"""The receivable ledger: balances, running balances, ERP entries and the Excel import."""

import io
import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from openpyxl import Workbook

from portal.accounts.roles import Role
from portal.core.audit import AuditEntry
from portal.core.errors import DomainError
from portal.extensions import db
from portal.finance import ledger_import
from portal.finance.ledger import (
    add_entry,
    balance,
    balances,
    balances_after,
    entries_with_balance,
    ledger_page,
)
from portal.finance.models import LedgerEntry, LedgerKind
from tests import factories
from tests.builders import post
from tests.helpers import QueryCounter

D = Decimal


def test_balances_on_dates_and_for_many_dealers(world, ledger_history):
    a, b = world.dealer_a, world.dealer_b
    assert balance(a.id) == D("4650.00")
    assert balance(a.id, date(2026, 2, 5)) == D("4000.00")
    assert balance(a.id, date(2026, 3, 3)) == D("3850.00")
    assert balance(a.id, date(2025, 1, 1)) == D("0.00")
    nobody = factories.make_dealer()
    assert balances([a.id, b.id, nobody.id]) == {a.id: D("4650.00"), b.id: D("333.33")}


def test_running_balance_over_a_range_starts_from_the_opening_balance(world, ledger_history):
    notice, offset = ledger_history
    opening, rows = entries_with_balance(world.dealer_a.id, date(2026, 2, 1),
                                         date(2026, 3, 31))
    assert opening == D("6000.00")
    assert [(r.reference, r.amount, r.balance) for r in rows] == [
        ("SK-001", D("-2000.00"), D("4000.00")),
        (notice.number, D("-150.00"), D("3850.00")),
        ("FP-002", D("800.00"), D("4650.00"))]
    traced = rows[1]
    assert traced.kind == LedgerKind.OFFSET and traced.notice_id == notice.id
    assert traced.notice_number == "HX-2026-0007"
    assert traced.period_start == date(2026, 2, 1)
    everything = entries_with_balance(world.dealer_a.id, None, None)
    assert everything[0] == D("0.00") and everything[1][-1].balance == balance(world.dealer_a.id)


def test_the_same_day_orders_by_entry(world):
    a = world.dealer_a
    post(a, LedgerKind.INVOICE, date(2026, 5, 1), "X1", "10.00")
    post(a, LedgerKind.PAYMENT, date(2026, 5, 1), "X2", "-4.00")
    _opening, rows = entries_with_balance(a.id, date(2026, 5, 1), date(2026, 5, 1))
    assert [r.balance for r in rows] == [D("10.00"), D("6.00")]
    assert balances_after([LedgerEntry(id=rows[1].id, dealer_id=a.id)]) == {
        rows[1].id: D("6.00")}


def test_pages_newest_first_with_keyset_cursors(world):
    a = world.dealer_a
    for day in range(1, 8):
        post(a, LedgerKind.INVOICE, date(2026, 4, day), f"P{day}", "10.00")
    seen, cursor = [], None
    while True:
        page = ledger_page(a.id, None, None, cursor, 3)
        seen += [(r.reference, r.balance) for r in page.rows]
        if not (cursor := page.next_cursor):
            break
    assert seen == [(f"P{d}", D(10 * d).quantize(D("0.01"))) for d in range(7, 0, -1)]
    ranged = ledger_page(a.id, date(2026, 4, 3), date(2026, 4, 5), None, 10)
    assert ranged.opening == D("20.00")
    assert [r.balance for r in ranged.rows] == [D("50.00"), D("40.00"), D("30.00")]
    assert ledger_page(a.id, None, None, "garbage", 3).rows[0].reference == "P7"


# --- single entries --------------------------------------------------------------------------

def test_add_entry_signs_payments_and_is_idempotent(world):
    a, admin = world.dealer_a, world.users[Role.ADMIN]
    entry, created = add_entry(a, LedgerKind.PAYMENT, date(2026, 1, 5), "SK-9", D("300.50"),
                               "银行汇款", actor=admin, source="api")
    assert created and entry.amount == D("-300.50") and entry.source == "api"
    again, created = add_entry(a, LedgerKind.PAYMENT, date(2026, 1, 5), "SK-9", D("300.50"),
                               "银行汇款", actor=admin, source="api")
    assert again.id == entry.id and not created
    with pytest.raises(DomainError) as refused:
        add_entry(a, LedgerKind.PAYMENT, date(2026, 1, 5), "SK-9", D("301.00"), "银行汇款",
                  actor=admin)
    assert refused.value.field == "reference" and "301" not in refused.value.message
    assert "300.50" in refused.value.message
    audit = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.entity_type == "ledger_entries")).all()
    assert [(e.action, e.entity_id) for e in audit] == [("create", str(entry.id))]


@pytest.mark.parametrize("kind, amount, reference, field", [
    (LedgerKind.OFFSET, "10.00", "HX-2026-0001", "kind"),
    (LedgerKind.INVOICE, "-10.00", "FP-1", "amount"),
    (LedgerKind.PAYMENT, "0.00", "SK-1", "amount"),
    (LedgerKind.INVOICE, "10.005", "FP-1", "amount"),
    (LedgerKind.INVOICE, "10.00", "  ", "reference"),
    (LedgerKind.INVOICE, "10.00", "R" * 41, "reference"),
])
def test_add_entry_refuses_bad_values(world, kind, amount, reference, field):
    with pytest.raises(DomainError) as refused:
        add_entry(world.dealer_a, kind, date(2026, 1, 5), reference, D(amount),
                  actor=world.users[Role.ADMIN])
    assert refused.value.field == field
    assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))) == 0


def test_an_opening_balance_may_be_negative_but_only_one(world):
    admin = world.users[Role.ADMIN]
    entry, _created = add_entry(world.dealer_a, LedgerKind.OPENING, date(2025, 12, 31),
                                "QC-1", D("-88.00"), actor=admin)
    assert entry.amount == D("-88.00")
    with pytest.raises(DomainError) as refused:
        add_entry(world.dealer_a, LedgerKind.OPENING, date(2025, 12, 31), "QC-2", D("5.00"),
                  actor=admin)
    assert "QC-1" in refused.value.message


# --- the Excel import ------------------------------------------------------------------------

HEADINGS_ZH = ["经销商代码", "日期", "类型", "单据号", "金额", "摘要"]


def workbook(rows, headings=HEADINGS_ZH) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headings)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD = [["DA-01", date(2025, 12, 31), "期初", "QC-2026", -150.5, "上年结转"],
        ["DA-01", "2026-01-10", "invoice", "FP-001", 5000, ""],
        ["DB-01", "2026/1/12", "发票", "FP-001", "1,234.56", None],
        ["DA-01", date(2026, 2, 5), "回款", "SK-001", 2000.1, "银行"]]


def test_import_writes_every_row_with_signs_and_reimport_is_a_no_op(world):
    admin = world.users[Role.ADMIN]
    result = ledger_import.import_sheet(workbook(GOOD), actor=admin)
    assert result.problems == [] and len(result.created) == 4 and result.skipped == 0
    assert balance(world.dealer_a.id) == D("2849.40")  # -150.50 + 5000 - 2000.10
    assert balance(world.dealer_b.id) == D("1234.56")
    assert {e.source for e in result.created} == {"excel"}
    imported = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "import"))
    assert len(imported.all()) == 4
    again = ledger_import.import_sheet(workbook(GOOD), actor=admin)
    assert again.problems == [] and again.created == [] and again.skipped == 4
    assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))) == 4


def test_any_bad_row_imports_nothing_and_every_error_is_reported(world):
    rows = [*GOOD,
            ["NOPE", "2026-01-10", "invoice", "FP-9", 10, ""],  # 6: unknown dealer
            ["DA-01", "2026-13-40", "invoice", "FP-10", 10, ""],  # 7: bad date
            ["DA-01", "2026-01-10", "offset", "HX-1", 10, ""],  # 8: offsets are not imported
            ["DA-01", "2026-01-10", "payment", "SK-2", -5, ""],  # 9: negative payment
            ["DA-01", "2026-01-10", "invoice", "FP-001", 5000, ""],  # 10: same as row 3
            ["DA-01", "2026-01-10", "invoice", None, 1.234, ""]]  # 11: no ref, 3 decimals
    with force_locale("en"):
        result = ledger_import.import_sheet(workbook(rows), actor=world.users[Role.FINANCE])
        assert result.problems[0].column == "Dealer code"
    assert result.created == []
    found = [(p.row, p.field) for p in result.problems]
    assert found == [(6, "dealer"), (7, "date"), (8, "kind"), (9, "amount"),
                     (10, "reference"), (11, "reference"), (11, "amount")]
    assert "row 3" in result.problems[4].message
    assert "notices" in result.problems[2].message
    assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))) == 0


def test_a_row_changed_since_its_import_is_refused(world):
    admin = world.users[Role.ADMIN]
    ledger_import.import_sheet(workbook(GOOD), actor=admin)
    changed = [list(r) for r in GOOD]
    changed[1][4] = 5100
    changed.append(["DB-01", "2026-03-01", "payment", "SK-B1", 34.56, ""])
    result = ledger_import.import_sheet(workbook(changed), actor=admin)
    assert [(p.row, p.field) for p in result.problems] == [(3, "reference")]
    assert "5000.00" in result.problems[0].message
    assert result.created == [] and balance(world.dealer_b.id) == D("1234.56")


def test_missing_columns_and_english_headings(world):
    english = ["Dealer code", "Date", "Kind", "Reference", "Amount (yuan)"]
    result = ledger_import.preview(workbook([["DA-01", "2026-01-10", "invoice", "F1", 1]],
                                            english))
    assert result.problems == [] and len(result.new) == 1
    missing = ledger_import.preview(workbook([["DA-01", "2026-01-10"]], ["经销商代码", "日期"]))
    assert {p.field for p in missing.problems} == {"kind", "reference", "amount"}
    assert {p.row for p in missing.problems} == {1}


def test_the_template_has_the_columns_and_reads_back(world):
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(ledger_import.template())).active
    headings = [c.value for c in sheet[1]]
    assert len(headings) == 6
    filled = workbook([["DA-01", "2026-01-10", "invoice", "F1", 1, "x"]], headings)
    assert ledger_import.preview(filled).problems == []


# --- pages -----------------------------------------------------------------------------------

def test_import_page_previews_then_imports_once(client, login, world):
    login(world.users[Role.FINANCE])
    data = {"file": (io.BytesIO(workbook(GOOD)), "ledger.xlsx")}
    page = client.post("/finance/ledger/import", data=data,
                       content_type="multipart/form-data")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "FP-001" in body and "SK-001" in body
    assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))) == 0  # a preview only
    token = re.search(r'name="token" value="([0-9a-f]{32})"', body).group(1)
    done = client.post("/finance/ledger/import/confirm", data={"token": token})
    assert done.status_code == 303 and done.headers["Location"].endswith("/finance/ledger")
    assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))) == 4
    gone = client.post("/finance/ledger/import/confirm", data={"token": token})
    assert gone.status_code == 303 and gone.headers["Location"].endswith("/import")
    assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))) == 4
    again = client.post("/finance/ledger/import", content_type="multipart/form-data",
                        data={"file": (io.BytesIO(workbook(GOOD)), "ledger.xlsx")})
    assert 'name="token"' not in again.get_data(as_text=True)


def test_import_page_lists_row_errors_and_refuses_other_files(client, login, world):
    login(world.users[Role.ADMIN])
    bad = [["DA-01", "2026-01-10", "invoice", "FP-1", "abc", ""]]
    page = client.post("/finance/ledger/import", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(workbook(bad)), "ledger.xlsx")})
    assert page.status_code == 422
    assert "<td class=\"num\">2</td><td>金额（元）</td>" in page.get_data(as_text=True)
    pdf = client.post("/finance/ledger/import", content_type="multipart/form-data",
                      data={"file": (io.BytesIO(b"%PDF-1.4 no"), "ledger.xlsx")})
    assert pdf.status_code == 422 and "不是 Excel" in pdf.get_data(as_text=True)
    template = client.get("/finance/ledger/import/template.xlsx")
    assert template.status_code == 200 and template.data.startswith(b"PK")
    login(world.users[Role.SALES_REP])
    assert client.get("/finance/ledger/import").status_code == 403


def test_ledger_pages_by_role(client, login, world, ledger_history):
    notice, _offset = ledger_history
    login(world.users[Role.FINANCE])
    listing = client.get("/finance/ledger").get_data(as_text=True)
    assert "¥4,650.00" in listing and "¥333.33" in listing
    rep = world.users[Role.SALES_REP]  # each row names the dealer's rep (read as a plain column)
    assert re.search(rf"DA-01</a></td>\s*<td>[^<]*</td>\s*<td>{re.escape(rep.display_name)}</td>",
                     listing)
    login(world.users[Role.SALES_REP])  # rep of dealer A only
    listing = client.get("/finance/ledger").get_data(as_text=True)
    assert "DA-01" in listing and "DB-01" not in listing
    login(world.users[Role.DEALER_STAFF])
    own = client.get("/finance/ledger")
    assert own.status_code == 302
    assert own.headers["Location"].endswith(f"/finance/ledger/{world.dealer_a.id}")
    detail = client.get(f"/finance/ledger/{world.dealer_a.id}").get_data(as_text=True)
    assert notice.number in detail and "4,650.00" in detail and "-150.00" in detail
    assert client.get(f"/finance/ledger/{world.dealer_b.id}").status_code == 404
    ranged = client.get(f"/finance/ledger/{world.dealer_a.id}?start=2026-02-01&end=2026-02-28")
    assert "¥6,000.00" in ranged.get_data(as_text=True)  # the balance before the range
    assert client.get(f"/finance/ledger/{world.dealer_a.id}?start=x").status_code == 200


def test_ledger_pages_query_counts_do_not_grow(client, login, world, db):
    def add(n):
        for _ in range(n):
            dealer = factories.make_dealer(sales_rep=factories.make_user(Role.SALES_REP))
            post(dealer, LedgerKind.INVOICE, date(2026, 1, 1), f"F{dealer.id}", "1.00")
            post(world.dealer_a, LedgerKind.INVOICE, date(2026, 1, 2), f"FA{dealer.id}", "2.00")
        db.session.commit()

    login(world.users[Role.FINANCE])
    urls = ["/finance/ledger", f"/finance/ledger/{world.dealer_a.id}"]
    add(2)
    client.get("/finance/ledger")

    def count(url):
        with QueryCounter(db.engine) as counter:
            assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
        return counter.count

    few = {url: count(url) for url in urls}
    add(10)
    assert {url: count(url) for url in urls} == few
