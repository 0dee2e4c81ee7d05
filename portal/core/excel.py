"""Reading and writing .xlsx sheets with row-by-row, column-by-column error reports."""

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from portal.core.db import money
from portal.core.decimals import finite_decimal

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
TRUE_WORDS = {"1", "y", "yes", "true", "是", "需要", "√"}
FALSE_WORDS = {"0", "n", "no", "false", "否", "不需要", "×"}


def parse_code(value) -> str:
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if not CODE_RE.match(text):
        raise ValueError(_("Letters, digits and . _ / - only, at most 40."))
    return text


def parse_text(limit: int):
    def parse(value) -> str:
        text = str(value).strip()
        if len(text) > limit:
            raise ValueError(_("At most %(n)d characters.", n=limit))
        return text

    return parse


def parse_int(low: int, high: int):
    def parse(value) -> int:
        number = finite_decimal(value)
        if number is None:
            raise ValueError(_("Enter a whole number."))
        if number != number.to_integral_value() or not low <= number <= high:
            raise ValueError(_("Enter a whole number from %(low)d to %(high)d.", low=low,
                               high=high))
        return int(number)

    return parse


def parse_money(value) -> Decimal:
    # Excel keeps numbers as binary floats; str() gives the decimal the user typed.
    amount = finite_decimal(str(value).replace(",", "").replace("¥", ""))
    if amount is None:
        raise ValueError(_("Enter an amount in yuan, like 125.50."))
    if amount < 0 or amount.as_tuple().exponent < -2 or amount >= Decimal("10000000"):
        raise ValueError(_("Enter an amount in yuan with at most two decimal places."))
    return money(amount)


def parse_flag(value) -> bool:
    text = str(value).strip().lower()
    if isinstance(value, bool):
        return value
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(_("Enter 是 or 否 (yes or no)."))


def parse_enum(enum_cls):
    def parse(value):
        member = enum_cls.parse(value)
        if member is None:
            raise ValueError(_("Unknown value; use one of: %(values)s",
                               values=", ".join(m.title for m in enum_cls)))
        return member

    return parse


def parse_date(value) -> date:
    """A date cell, or text like 2026-03-01 / 2026/3/1."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    try:
        year, month, day = (int(p) for p in text.split("-"))
        return date(year, month, day)
    except ValueError:
        raise ValueError(_("Enter a date like 2026-03-01.")) from None


@dataclass
class Column:
    key: str
    label: object  # a lazy translation, resolved in the language asked for
    parse: Callable[[object], object] = lambda v: v
    required: bool = True
    width: int = 16
    number_format: str = ""  # e.g. "0.00" for money written as numbers
    aliases: tuple[str, ...] = ()  # other headings accepted on import (e.g. the ERP's)


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class Sheet:
    rows: list[tuple[int, dict]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class ExcelError(Exception):
    """The upload is not a readable .xlsx file (or is too big)."""


def _aliases(column: Column) -> set[str]:
    names = {column.key.lower(), *(a.lower() for a in column.aliases)}
    for locale in ("zh_CN", "en"):
        with force_locale(locale):
            names.add(str(column.label).strip().lower())
    return names


def check_xlsx(data: bytes) -> None:
    """Refuse anything that is not an .xlsx workbook within the size limit, by content."""
    if len(data) > current_app.config["EXCEL_MAX_BYTES"]:
        raise ExcelError(_("The file is larger than %(mb)d MB.",
                           mb=current_app.config["EXCEL_MAX_BYTES"] // (1024 * 1024)))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        names = set()
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise ExcelError(_("This is not an Excel .xlsx file."))


def read_sheet(data: bytes, columns: list[Column]) -> Sheet:
    """Parse the first sheet: headers in row 1 (Chinese, English or keys), data below."""
    check_xlsx(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise ExcelError(_("The workbook cannot be read: %(error)s", error=error)) from error
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    header = [str(h).strip().lower() if h is not None else "" for h in next(rows, ())]
    sheet = Sheet()
    positions = {}
    for column in columns:
        names = _aliases(column)
        index = next((i for i, h in enumerate(header) if h in names), None)
        if index is None and column.required:
            sheet.errors.append(RowError(1, str(column.label),
                                         _("Column missing from the header row.")))
        positions[column.key] = index
    if sheet.errors:
        return sheet
    for number, raw in enumerate(rows, start=2):
        if raw is None or all(v is None or str(v).strip() == "" for v in raw):
            continue
        sheet.rows.append((number, _parse_row(number, raw, columns, positions, sheet.errors)))
    workbook.close()
    if not sheet.rows and not sheet.errors:
        sheet.errors.append(RowError(2, "", _("The sheet has no data rows.")))
    return sheet


def _parse_row(number, raw, columns, positions, errors) -> dict:
    values = {}
    for column in columns:
        index = positions[column.key]
        cell = raw[index] if index is not None and index < len(raw) else None
        if isinstance(cell, str):
            cell = cell.strip()
        if cell in (None, ""):
            if column.required:
                errors.append(RowError(number, str(column.label), _("A value is required.")))
            values[column.key] = None
            continue
        try:
            values[column.key] = column.parse(cell)
        except ValueError as error:
            errors.append(RowError(number, str(column.label), str(error)))
            values[column.key] = None
    return values


def flag_duplicates(sheet: Sheet, key: str, label) -> None:
    """Report a key that appears on more than one row of the file."""
    seen = {}
    for number, values in sheet.rows:
        value = values.get(key)
        if value and value in seen:
            sheet.errors.append(RowError(number, str(label), _(
                "Also on row %(row)d of this file.", row=seen[value])))
        seen.setdefault(value, number)


def write_sheet(title: str, columns: list[Column], rows: list[list]) -> bytes:
    """A workbook of one sheet with translated headers, ready to edit and re-import."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append([str(c.label) for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = column.width
    for row in rows:
        sheet.append(row)
    for index, column in enumerate(columns, start=1):
        if column.number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = column.number_format
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
