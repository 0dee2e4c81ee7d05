"""Excel imports are bounded: the unpacked size of the workbook, and the rows and cells read,
checked while reading; the refusal, beside the file field, names the limit. An import page
lists the first problems and says how many more there are."""

import io
import itertools
import re
import zipfile

import pytest
from openpyxl import Workbook

from portal.accounts.roles import Role
from portal.core.excel import ExcelError, bounded_rows
from portal.units.models import Unit

UNITS = ["出厂编号", "机型编码", "发动机号", "车架号", "生产日期", "生产批次", "经销商编码",
         "发运日期", "发货单号", "发货单已确认"]
LEDGER = ["经销商编码", "日期", "类型", "单据号", "金额（元）", "摘要"]


def xlsx(rows, extra: dict | None = None) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    if extra:  # more members in the zip, as a crafted file would have
        with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
            for name, data in extra.items():
                archive.writestr(name, data)
    return buffer.getvalue()


def units_rows(count: int, width: int = len(UNITS)) -> list:
    row = ["SN1", "NOPE", "", "", "2025-03-01", "B1", "DA-01", "2025-04-01", "", ""]
    return [UNITS + ["x"] * (width - len(UNITS))] + [
        [f"SN{n}", *row[1:], *["x"] * (width - len(UNITS))] for n in range(count)]


def post(client, url, data):
    return client.post(url, data={"file": (io.BytesIO(data), "sheet.xlsx")},
                       content_type="multipart/form-data")


def field_error(response) -> str:
    """The message shown beside the file field."""
    match = re.search(r'<small class="error" role="alert">([^<]*)</small>',
                      response.get_data(as_text=True))
    return match.group(1) if match else ""


@pytest.fixture
def clerk(client, login, world):
    login(world.users[Role.CLERK])
    client.post("/language", data={"lang": "en"})
    return client


def test_a_zip_bomb_is_refused_before_it_is_unpacked(app, monkeypatch, clerk, db):
    monkeypatch.setitem(app.config, "EXCEL_MAX_UNPACKED_BYTES", 2**20)
    bomb = xlsx(units_rows(2), extra={"xl/media/padding.bin": b"\0" * (2 * 2**20)})
    assert len(bomb) < 2**20 // 10  # small on the wire
    response = post(clerk, "/units/import", bomb)
    assert response.status_code == 422
    assert field_error(response) == (
        "The workbook unpacks to more than 1 MB, the most an import reads.")
    assert db.session.query(Unit).count() == 0


def test_too_many_rows_or_cells_are_refused_with_the_limit(app, monkeypatch, clerk):
    monkeypatch.setitem(app.config, "EXCEL_MAX_ROWS", 50)
    response = post(clerk, "/units/import", xlsx(units_rows(50)))
    assert response.status_code == 422
    assert field_error(response) == "The sheet has more than 50 rows, the most an import reads."
    monkeypatch.setitem(app.config, "EXCEL_MAX_ROWS", 1000)
    monkeypatch.setitem(app.config, "EXCEL_MAX_CELLS", 300)
    response = post(clerk, "/units/import", xlsx(units_rows(10, width=30)))
    assert response.status_code == 422
    assert field_error(response) == "The sheet has more than 300 cells, the most an import reads."


def test_the_ledger_import_is_bounded_in_the_users_language(app, monkeypatch, client, login,
                                                            world):
    monkeypatch.setitem(app.config, "EXCEL_MAX_ROWS", 3)
    login(world.users[Role.FINANCE])
    rows = [LEDGER] + [["DA-01", "2026-01-10", "invoice", f"F{n}", 1, ""] for n in range(5)]
    response = post(client, "/finance/ledger/import", xlsx(rows))
    assert response.status_code == 422
    assert field_error(response) == "表格超过 3 行，这是一次导入读取的上限。"


def test_reading_stops_at_the_limit():
    """The reader never pulls more than the limit from an endless sheet."""
    endless = ((n, "x") for n in itertools.count())
    with pytest.raises(ExcelError):
        for _row in bounded_rows(endless, rows=1000, cells=10**9):
            pass
    assert next(endless)[0] == 1001
    wide = iter([(None,) * 400, (None,) * 400, (None,) * 400])
    with pytest.raises(ExcelError):
        list(bounded_rows(wide, rows=10, cells=1000))
    assert len(list(wide)) == 0


def test_an_import_page_lists_the_first_problems_and_counts_the_rest(clerk):
    response = post(clerk, "/units/import", xlsx(units_rows(150)))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Fix these 150 problems" in body
    assert body.count("Unknown model code.") == 100
    assert "and 50 more problems" in body


def test_the_ledger_preview_lists_the_first_rows(app, monkeypatch, client, login, world):
    monkeypatch.setitem(app.config, "IMPORT_ROWS_SHOWN", 2)
    login(world.users[Role.FINANCE])
    rows = [LEDGER] + [["DA-01", "2026-01-10", "invoice", f"FP-{n}", 1, ""] for n in range(5)]
    body = post(client, "/finance/ledger/import", xlsx(rows)).get_data(as_text=True)
    assert "FP-1<" in body and "FP-2<" not in body
    assert "……另有 3 行。" in body and "导入 5 条" in body


def lying(data: bytes, member: str, size: int) -> bytes:
    """``data`` with the zip's directory declaring ``member`` ``size`` bytes unpacked."""
    at = data.index(b"PK\x01\x02")  # the first entry of the central directory
    while True:
        name_length = int.from_bytes(data[at + 28:at + 30], "little")
        if data[at + 46:at + 46 + name_length] == member.encode():
            return data[:at + 24] + size.to_bytes(4, "little") + data[at + 28:]
        at = data.index(b"PK\x01\x02", at + 46)


def test_a_part_larger_than_the_zip_declares_is_refused_not_unpacked(clerk, db):
    data = lying(xlsx(units_rows(200)), "xl/worksheets/sheet1.xml", 500)
    response = post(clerk, "/units/import", data)
    assert response.status_code == 422
    assert field_error(response).startswith("The workbook cannot be read")
    assert db.session.query(Unit).count() == 0


def test_a_sheet_damaged_past_its_start_is_refused(clerk, db):
    """openpyxl opens the workbook and reads rows until the damage: found while reading."""
    source = zipfile.ZipFile(io.BytesIO(xlsx(units_rows(300))))
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as archive:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<row r="250"', b'<row r="250" <<')
            archive.writestr(name, data)
    response = post(clerk, "/units/import", damaged.getvalue())
    assert response.status_code == 422
    assert field_error(response).startswith("The workbook cannot be read")
    assert db.session.query(Unit).count() == 0
