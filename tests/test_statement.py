"""The dealer statement: totals over a range starting mid-history, offsets traced to notices and
their claims, the same statement as a page, a PDF and an Excel workbook."""

import io
from datetime import date
from decimal import Decimal

import pypdfium2
from openpyxl import load_workbook

from portal.accounts.roles import Role
from portal.finance.models import LedgerKind
from portal.finance.statement import build_statement, default_range, statement_pdf
from tests.builders import confirmed_offset, post
from tests.helpers import QueryCounter, pdf_layout_problems

D = Decimal


def test_a_range_starting_mid_history(world, ledger_history):
    notice, _offset = ledger_history
    s = build_statement(world.dealer_a, date(2026, 2, 1), date(2026, 3, 10))
    assert s.opening == D("6000.00")  # opening 1000 + January's invoice 5000
    assert [(r.reference, r.balance) for r in s.rows] == [("SK-001", D("4000.00")),
                                                          (notice.number, D("3850.00"))]
    assert s.closing == D("3850.00")
    assert s.raised == D("0.00") and s.lowered == D("2150.00")
    assert s.opening + s.raised - s.lowered == s.closing
    traced = s.claims_of(s.rows[1])
    assert [(c.number, c.amount) for c in traced] == [("WX-HX-2026-0007-1", D("150.00"))]
    assert traced[0].serial == notice.claims[0].claim.unit.serial
    empty = build_statement(world.dealer_a, date(2027, 1, 1), date(2027, 1, 31))
    assert empty.rows == [] and empty.opening == empty.closing == D("4650.00")


def test_the_page_counts_what_each_notice_holds(world, ledger_history):
    """The page's statement counts and totals each offset's claims as the printed one lists
    them."""
    notice, _offset = ledger_history
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    page = build_statement(world.dealer_a, start, end, traced=False)
    printed = build_statement(world.dealer_a, start, end)
    [row] = [r for r in page.rows if r.notice_id == notice.id]
    tally = page.tally_of(row)
    assert (tally.claims, tally.claims_total, tally.cases, tally.cases_total) == (
        1, D("150.00"), 0, D("0.00"))
    assert page.claims_of(row) == [] and page.tally_of(page.rows[0]) is None
    assert tally.claims == len(printed.claims_of(row))
    assert tally.claims_total == sum(c.amount for c in printed.claims_of(row))


def test_default_range_is_this_year_so_far():
    assert default_range(date(2026, 5, 17)) == (date(2026, 1, 1), date(2026, 5, 17))


def test_the_statement_loads_in_a_fixed_number_of_queries(world, ledger_history, db):
    with QueryCounter(db.engine) as few:
        build_statement(world.dealer_a, date(2025, 1, 1), date(2026, 12, 31))
    confirmed_offset(world.dealer_a, date(2026, 4, 1), number="HX-2026-0008",
                     claims=(("1.00", "2.00"), ("3.00", "4.00"), ("5.00", "0.00")))
    with QueryCounter(db.engine) as many:
        s = build_statement(world.dealer_a, date(2025, 1, 1), date(2026, 12, 31))
    assert many.count == few.count and len(s.claims_of(s.rows[-1])) == 3


def _pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def test_page_pdf_and_excel(client, login, world, ledger_history):
    notice, _offset = ledger_history
    login(world.users[Role.DEALER_ADMIN])
    query = "start=2026-02-01&end=2026-03-31"
    base = f"/finance/ledger/{world.dealer_a.id}/statement"
    page = client.get(f"{base}?{query}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    # each offset with its notice's claims counted and totalled; the notice lists them
    assert f'href="/finance/notices/{notice.number}"' in body and "¥150.00" in body
    assert "¥6,000.00" in body and "¥4,650.00" in body

    pdf = client.get(f"{base}.pdf?{query}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = _pdf_text(pdf.data)
    for expected in ("甲经销商", notice.number, "6,000.00", "4,650.00", "3,850.00",
                     "WX-HX-2026-0007-1", "2026-02-01"):
        assert expected in text, expected

    xlsx = client.get(f"{base}.xlsx?{query}")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = [[c for c in row] for row in sheet.iter_rows(min_row=6)]
    opening, *entries, closing = rows
    assert opening[5].value == 6000 and opening[5].data_type == "n"
    assert opening[5].number_format == "#,##0.00"
    by_ref = {r[2].value: r for r in entries if r[2].value}
    assert by_ref["SK-001"][4].value == -2000 and by_ref["SK-001"][4].data_type == "n"
    assert by_ref[notice.number][5].value == 3850
    assert by_ref[notice.number][6].value == "2026-02-01 – 2026-02-28"
    claim_row = next(r for r in entries if r[7].value == "WX-HX-2026-0007-1")
    assert claim_row[9].value == 150 and claim_row[9].data_type == "n"
    assert closing[5].value == 4650
    assert by_ref["FP-002"][0].is_date


def test_scoping_and_bad_ranges(client, login, world, ledger_history):
    login(world.users[Role.DEALER_STAFF])
    for suffix in ("", ".pdf", ".xlsx"):
        assert client.get(f"/finance/ledger/{world.dealer_b.id}/statement{suffix}"
                          ).status_code == 404
    login(world.users[Role.SALES_REP])
    assert client.get(f"/finance/ledger/{world.dealer_b.id}/statement").status_code == 404
    login(world.rep_b)
    assert client.get(f"/finance/ledger/{world.dealer_b.id}/statement").status_code == 200
    login(world.users[Role.TECHNICAL])
    assert client.get(f"/finance/ledger/{world.dealer_a.id}/statement").status_code == 403
    login(world.users[Role.FINANCE])
    backwards = client.get(f"/finance/ledger/{world.dealer_a.id}/statement"
                           "?start=2026-03-01&end=2026-01-01")
    assert backwards.status_code == 200 and 'class="flash flash-error"' in backwards.get_data(
        as_text=True)


def test_a_long_statement_prints_its_totals_once(app, world, ledger_history):
    """Three pages of entries: the kind 三包费用冲抵 on one line, amounts with thousands
    separators, and the period totals and closing balance once, after the last entry."""
    for day in range(1, 29):
        for n in range(3):
            post(world.dealer_a, LedgerKind.INVOICE, date(2026, 4, day), f"FP-4{day:02d}{n}",
                 "123456.78", memo="农机具货款")
    with app.test_request_context():
        s = build_statement(world.dealer_a, date(2026, 1, 1), date(2026, 4, 30))
        pdf = statement_pdf(s)
    assert len(pypdfium2.PdfDocument(pdf)) >= 3
    assert pdf_layout_problems(pdf) == []
    text = _pdf_text(pdf)
    closing = f"{s.closing:,.2f}"
    assert closing == "10,375,019.52" and text.count("期末余额") == 1
    # the last entry's running balance, then the closing balance, nowhere else
    assert text.count(closing) == 2
    assert text.count(f"{s.raised:,.2f}") == 1 and text.count("本期增加") == 1
    assert text.rindex(closing) > text.rindex("FP-4282")
    assert text.count("三包费用冲抵") == 2 and "123,456.78" in text  # the offset, the note
