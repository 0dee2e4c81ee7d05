"""A confirmed notice's offset carries its case settlements to the ledger (its memo names the
cases) and the statement traces it to them, as page, PDF and Excel, as it does to its claims."""

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal.accounts.roles import Role
from portal.finance import lifecycle
from portal.finance.notices import issue_notice
from portal.finance.statement import build_statement
from tests.builders import OCT_END, OCT_START, approved_claim
from tests.case_builders import at, discount_standard, settled_case
from tests.helpers import pdf_text

CONFIRMED = date(2026, 11, 5)


@pytest.fixture
def offset(world, db):
    """Dealer A's October notice, a claim (1 420.50) and a refund case (76 000), confirmed."""
    discount_standard()
    claim = approved_claim(world.dealer_a)
    case = settled_case(world)
    notice = issue_notice(world.dealer_a.id, OCT_START, OCT_END,
                          actor=world.users[Role.FINANCE])
    entry = lifecycle.confirm_notice(notice, actor=world.users[Role.DEALER_ADMIN],
                                     now=at(CONFIRMED))
    db.session.commit()
    return claim, case, notice, entry


def test_the_offset_names_the_cases(offset):
    claim, case, notice, entry = offset
    assert entry.amount == -(claim.total_finance + Decimal("76000.00"))
    assert notice.number in entry.memo and case.number in entry.memo


def test_the_statement_traces_the_offset_to_its_cases(world, offset):
    claim, case, notice, _entry = offset
    s = build_statement(world.dealer_a, date(2026, 11, 1), date(2026, 11, 30))
    [row] = s.rows
    assert [c.number for c in s.claims_of(row)] == [claim.number]
    [traced] = s.cases_of(row)
    assert (traced.number, traced.serial, traced.amount) == (
        case.number, case.unit.serial, Decimal("76000.00"))
    tally = build_statement(world.dealer_a, date(2026, 11, 1), date(2026, 11, 30),
                            traced=False).tallies[notice.id]  # the page's
    assert (tally.claims, tally.claims_total, tally.cases, tally.cases_total) == (
        1, claim.total_finance, 1, Decimal("76000.00"))


def test_page_pdf_and_excel_show_the_case(client, login, world, offset):
    _claim, case, notice, _entry = offset
    login(world.users[Role.DEALER_ADMIN])
    base = f"/finance/ledger/{world.dealer_a.id}/statement"
    query = "start=2026-11-01&end=2026-11-30"
    page = client.get(f"{base}?{query}")
    assert page.status_code == 200 and case.number in page.text and "76,000.00" in page.text
    assert case.number in pdf_text(client.get(f"{base}.pdf?{query}").data)
    sheet = load_workbook(io.BytesIO(client.get(f"{base}.xlsx?{query}").data)).active
    row = next(r for r in sheet.iter_rows(min_row=6) if r[7].value == case.number)
    assert row[8].value == case.unit.serial and row[9].value == 76000
    assert row[9].data_type == "n" and row[10].value
    ledger = client.get(f"/finance/ledger/{world.dealer_a.id}")
    assert case.number in ledger.text  # the memo
    login(world.dealer_b_admin)
    assert client.get(f"{base}?{query}").status_code == 404

