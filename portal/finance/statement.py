"""The dealer statement (对账单) for any date range: opening balance, every entry with the
running balance, closing balance; each offset traced to its notice and the notice to its claims
and its exchange and refund cases (包换包退). The same statement is a page, a PDF and an Excel
workbook."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask import render_template
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.orm import selectinload

from portal.claims.models import Claim
from portal.core.db import money, shanghai_today
from portal.core.excel import workbook_bytes
from portal.core.pdf import render_pdf
from portal.dealers.models import Dealer
from portal.extensions import db
from portal.finance.ledger import ZERO, LedgerRow, entries_with_balance
from portal.finance.models import LedgerKind, NoticeCase, NoticeClaim, WriteOffNotice
from portal.units.models import Unit

MONEY_FORMAT = "#,##0.00"


@dataclass
class TracedClaim:
    number: str
    serial: str
    amount: Decimal


@dataclass
class TracedCase:
    number: str
    kind: str  # its title
    serial: str
    amount: Decimal  # signed, as the notice settled it


@dataclass
class NoticeTally:
    """What an offset's notice holds, as the statement page names it (the notice lists them)."""

    claims: int
    claims_total: Decimal
    cases: int
    cases_total: Decimal


@dataclass
class Statement:
    dealer: Dealer
    start: date
    end: date
    opening: Decimal
    rows: list[LedgerRow]
    claims: dict[int, list[TracedClaim]] = field(default_factory=dict)  # by notice id
    cases: dict[int, list[TracedCase]] = field(default_factory=dict)  # by notice id
    tallies: dict[int, NoticeTally] = field(default_factory=dict)  # by notice id
    printed_on: date = field(default_factory=shanghai_today)

    @property
    def closing(self) -> Decimal:
        return self.rows[-1].balance if self.rows else self.opening

    @property
    def raised(self) -> Decimal:
        return sum((r.amount for r in self.rows if r.amount > 0), ZERO)

    @property
    def lowered(self) -> Decimal:
        return sum((-r.amount for r in self.rows if r.amount < 0), ZERO)

    def claims_of(self, row: LedgerRow) -> list[TracedClaim]:
        return self.claims.get(row.notice_id, []) if row.notice_id else []

    def cases_of(self, row: LedgerRow) -> list[TracedCase]:
        return self.cases.get(row.notice_id, []) if row.notice_id else []

    def tally_of(self, row: LedgerRow) -> NoticeTally | None:
        return self.tallies.get(row.notice_id) if row.notice_id else None


def default_range(today: date) -> tuple[date, date]:
    """This year so far."""
    return date(today.year, 1, 1), today


def build_statement(dealer: Dealer, start: date, end: date, *,
                    traced: bool = True) -> Statement:
    """The statement of ``dealer`` from ``start`` to ``end`` (inclusive): five queries.

    ``traced``: each offset with its notice's claims and cases, as printed and exported; else
    (the page) with how many its notice holds and their totals, the notice listing them."""
    opening, rows = entries_with_balance(dealer.id, start, end)
    statement = Statement(dealer, start, end, opening, rows)
    notice_ids = [r.notice_id for r in rows if r.kind == LedgerKind.OFFSET and r.notice_id]
    if notice_ids and not traced:
        statement.tallies = _tallies(notice_ids)
    elif notice_ids:
        found = db.session.execute(
            sa.select(NoticeClaim.notice_id, Claim.number, Unit.serial, NoticeClaim.total)
            .join(Claim, Claim.id == NoticeClaim.claim_id).join(Unit, Unit.id == Claim.unit_id)
            .where(NoticeClaim.notice_id.in_(notice_ids))
            .order_by(NoticeClaim.notice_id, NoticeClaim.position))
        for notice_id, number, serial, total in found:
            statement.claims.setdefault(notice_id, []).append(TracedClaim(number, serial, total))
        _trace_cases(statement, notice_ids)
    return statement


def _tallies(notice_ids: list[int]) -> dict[int, NoticeTally]:
    """Per notice: its claims and cases counted (over its own rows), their totals as it
    stated them (one query)."""
    def held(model):
        return (sa.select(sa.func.count()).where(model.notice_id == WriteOffNotice.id)
                .correlate(WriteOffNotice).scalar_subquery())

    found = db.session.execute(
        sa.select(WriteOffNotice.id, WriteOffNotice.total, WriteOffNotice.exchange_refund,
                  held(NoticeClaim), held(NoticeCase))
        .where(WriteOffNotice.id.in_(notice_ids)))
    return {notice_id: NoticeTally(claims, money(total - cases_total), cases, cases_total)
            for notice_id, total, cases_total, claims, cases in found}


def _trace_cases(statement: Statement, notice_ids: list[int]) -> None:
    """The cases of the offsets' notices: their rows with the cases, then the cases' units
    (a case's ``unit`` is then read from the session, not queried)."""
    rows = db.session.scalars(
        sa.select(NoticeCase).where(NoticeCase.notice_id.in_(notice_ids))
        .options(selectinload(NoticeCase.case))
        .order_by(NoticeCase.notice_id, NoticeCase.position)).all()
    db.session.scalars(sa.select(Unit).where(Unit.id.in_({r.case.unit_id for r in rows}))).all()
    for row in rows:
        statement.cases.setdefault(row.notice_id, []).append(
            TracedCase(row.case.number, str(row.case.kind.title), row.case.unit.serial,
                       row.amount))


def statement_html(statement: Statement) -> str:
    return render_template("finance/statement_print.html", s=statement)


def statement_pdf(statement: Statement) -> bytes:
    return render_pdf(statement_html(statement))


def _period(row: LedgerRow) -> str:
    if not row.period_start:
        return ""
    return f"{row.period_start.isoformat()} – {row.period_end.isoformat()}"


def statement_xlsx(statement: Statement) -> bytes:
    """The statement as a workbook: amounts are numbers with two decimals, dates are dates."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("Statement"))[:31]
    s = statement
    sheet.append([str(_("Dealer statement"))])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([str(_("Dealer")), f"{s.dealer.code} {s.dealer.name}"])
    sheet.append([str(_("Period")), s.start, s.end])
    sheet.append([])
    heading = [_("Date"), _("Kind"), _("Reference"), _("Memo"), _("Amount (yuan)"),
               _("Balance (yuan)"), _("Notice period"), _("Claim"), _("Serial number"),
               _("Claim amount (yuan)"), _("Exchange or refund case")]
    sheet.append([str(h) for h in heading])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.append([s.start, str(_("Opening balance")), "", "", None, s.opening])
    for row in s.rows:
        sheet.append([row.entry_date, row.kind.title, row.reference, row.memo, row.amount,
                      row.balance, _period(row)])
        for claim in s.claims_of(row):
            sheet.append([None] * 7 + [claim.number, claim.serial, claim.amount])
        for case in s.cases_of(row):  # the case's number in column H, its kind in K
            sheet.append([None] * 7 + [case.number, case.serial, case.amount, case.kind])
    sheet.append([s.end, str(_("Closing balance")), "", "", None, s.closing])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    _formats(sheet)
    return workbook_bytes(workbook)


def _formats(sheet) -> None:
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, Decimal):
                cell.number_format = MONEY_FORMAT
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    for letter, width in zip("ABCDEFGHIJK", (12, 14, 18, 28, 14, 14, 24, 16, 14, 14, 16),
                             strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A6"
