"""Reading and writing .xlsx sheets with row-by-row, column-by-column error reports."""

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font


@dataclass
class Column:
    key: str
    label: object  # a lazy translation, resolved in the language asked for
    parse: Callable[[object], object] = lambda v: v
    required: bool = True
    width: int = 16


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
    names = {column.key.lower()}
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
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
