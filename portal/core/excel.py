"""Reading and writing .xlsx sheets with row-by-row, column-by-column error reports."""

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
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

# What a spreadsheet reads as the start of a formula (or, after tab or return, of a cell that
# becomes one when edited or pasted): such text is written as a string cell, quote-prefixed.
# The full-width forms too: a Chinese or Japanese Excel takes ＝ typed through the IME as =.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
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


def uploaded_sheet(file_storage) -> bytes:
    """An uploaded workbook's bytes, read no further than one byte past the size limit."""
    return file_storage.read(current_app.config["EXCEL_MAX_BYTES"] + 1)


def check_xlsx(data: bytes) -> None:
    """Refuse anything that is not an .xlsx workbook within the size limits, by content: the
    file's own size, and what its parts unpack to (a zip bomb is small until it is opened).
    The sizes the zip declares are binding: Python's zipfile stops a part at its declared size
    and refuses it (CRC) if it holds more, so summing them before openpyxl reads is enough."""
    limit = current_app.config["EXCEL_MAX_BYTES"]
    if len(data) > limit:
        raise ExcelError(_("The file is larger than %(mb)d MB.", mb=limit // 2**20))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        members = []
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise ExcelError(_("This is not an Excel .xlsx file."))
    unpacked = current_app.config["EXCEL_MAX_UNPACKED_BYTES"]
    if sum(member.file_size for member in members) > unpacked:
        raise ExcelError(_("The workbook unpacks to more than %(mb)d MB, the most an import "
                           "reads.", mb=unpacked // 2**20))


def bounded_rows(source: Iterable[tuple], *, rows: int, cells: int) -> Iterator[tuple]:
    """The rows of ``source`` (blank ones too: openpyxl makes them up for a gap, and a crafted
    sheet has a million), refused as soon as more than ``rows`` rows or ``cells`` cells (a row
    is as wide as the sheet says it is) have been read, before the next is taken."""
    read_cells = 0
    for read_rows, row in enumerate(source, start=1):
        read_cells += len(row)
        if read_rows > rows:
            raise ExcelError(_("The sheet has more than %(n)d rows, the most an import reads.",
                               n=rows))
        if read_cells > cells:
            raise ExcelError(_("The sheet has more than %(n)d cells, the most an import reads.",
                               n=cells))
        yield row


def read_sheet(data: bytes, columns: list[Column]) -> Sheet:
    """Parse the first sheet: headers in row 1 (Chinese, English or keys), data below; at most
    the configured rows and cells are read (``bounded_rows``)."""
    check_xlsx(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise _unreadable(error) from error
    try:
        return _read_rows(workbook.worksheets[0], columns)
    finally:
        workbook.close()


def _unreadable(error: Exception) -> ExcelError:
    return ExcelError(_("The workbook cannot be read: %(error)s", error=error))


def _sheet_rows(worksheet) -> Iterator[tuple]:
    """The sheet's rows as openpyxl reads them, one at a time from the zip: damage past the
    start (bad XML, a part longer than the zip says) is found only here, while reading."""
    rows = worksheet.iter_rows(values_only=True)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as error:  # as at opening: openpyxl raises many kinds
            raise _unreadable(error) from error
        yield row


def _read_rows(worksheet, columns: list[Column]) -> Sheet:
    config = current_app.config
    rows = bounded_rows(_sheet_rows(worksheet), rows=config["EXCEL_MAX_ROWS"],
                        cells=config["EXCEL_MAX_CELLS"])
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
    return workbook_bytes(workbook)


def workbook_bytes(workbook: Workbook) -> bytes:
    """The saved .xlsx of every export. Text anyone typed (a buyer's name, a ledger memo) that a
    spreadsheet would read as a formula is kept text: openpyxl makes a cell whose text starts
    with ``=`` a formula, and Excel or LibreOffice evaluate one starting with ``+ - @`` once it is
    edited, so those cells are string cells with the quote prefix (Excel's leading apostrophe,
    not part of the value). Numbers are never text here, so a negative amount stays a number."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                    cell.data_type = "s"
                    cell.quotePrefix = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
