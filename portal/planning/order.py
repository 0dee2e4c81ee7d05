"""An approved stocking plan as the parts order the maker's parts sales work from, in Excel and
PDF. Both are written in the portal's default language from the plan's stored prices and
quantities, so the order reads the same whoever downloads it, whenever."""

from dataclasses import dataclass
from decimal import Decimal

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from portal.core.db import SHANGHAI, money
from portal.core.excel import workbook_bytes
from portal.core.pdf import render_pdf
from portal.planning.models import StockingPlan


@dataclass
class OrderLine:
    position: int
    part_number: str
    name: str
    section: str
    quantity: int
    unit_price: Decimal
    amount: Decimal


def order_lines(plan: StockingPlan) -> list[OrderLine]:
    """The lines with an approved quantity above 0, numbered from 1."""
    kept = [line for line in plan.lines if line.final_qty > 0]
    return [OrderLine(n, line.part.part_number, line.part.name, line.section.title,
                      line.final_qty, money(line.unit_price),
                      money(line.final_qty * line.unit_price))
            for n, line in enumerate(kept, start=1)]


def order_total(lines: list[OrderLine]) -> Decimal:
    return money(sum((line.amount for line in lines), Decimal(0)))


def _header(plan: StockingPlan) -> list[tuple[str, str]]:
    dealer = plan.dealer
    approved_on = plan.reviewed_at.astimezone(SHANGHAI).date().isoformat() \
        if plan.reviewed_at else ""
    return [
        (_("Order no."), plan.number),
        (_("Dealer"), f"{dealer.code} {dealer.name}"),
        (_("Address"), " ".join(filter(None, [dealer.province, dealer.city, dealer.address]))),
        (_("Contact"), " ".join(filter(None, [dealer.contact_name, dealer.contact_phone]))),
        (_("Season"), f"{plan.season.name} {plan.season.start_on}–{plan.season.end_on}"),
        (_("Approved on"), approved_on),
        (_("Approved by"), plan.reviewed_by.display_name if plan.reviewed_by else ""),
    ]


def order_xlsx(plan: StockingPlan) -> bytes:
    """One sheet: the order's header, then its lines and total (amounts as numbers)."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        lines = order_lines(plan)
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = plan.number[:31]
        sheet.append([_("Spare-parts order")])
        sheet["A1"].font = Font(bold=True, size=14)
        for label, value in _header(plan):
            sheet.append([label, value])
        sheet.append([])
        sheet.append(["#", _("Part number"), _("Name"), _("Section"), _("Quantity"),
                      _("Unit price"), _("Amount")])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for line in lines:
            sheet.append([line.position, line.part_number, line.name, line.section,
                          line.quantity, line.unit_price, line.amount])
            for cell in sheet[sheet.max_row][5:7]:
                cell.number_format = "0.00"
        sheet.append(["", _("Total"), "", "", sum(line.quantity for line in lines), "",
                      order_total(lines)])
        sheet.cell(sheet.max_row, 7).number_format = "0.00"
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for column, width in zip("ABCDEFG", (6, 18, 28, 12, 10, 12, 14), strict=True):
            sheet.column_dimensions[column].width = width
    return workbook_bytes(workbook)


def order_pdf(plan: StockingPlan) -> bytes:
    """The order as an A4 PDF."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        lines = order_lines(plan)
        return render_pdf(render_template("planning/order_pdf.html", plan=plan, lines=lines,
                                          header=_header(plan), total=order_total(lines)))
