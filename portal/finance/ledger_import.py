"""The ledger's Excel sheet: opening balances, goods invoices and payments exported by the ERP.

An upload is checked and previewed first; it is kept in the instance folder under a random
token until the user imports it (or for a day), so the import reads exactly what was previewed.
"""

import re
import time
import uuid
from decimal import Decimal
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from portal.core.decimals import finite_decimal
from portal.core.excel import Column, parse_code, parse_date, parse_text, read_sheet, write_sheet
from portal.finance.ledger import LABELS, ImportResult, Problem, import_entries, plan_entries
from portal.finance.models import LedgerKind

# Words the ERP and the finance staff use for the three kinds.
KIND_WORDS = {
    LedgerKind.OPENING: {"期初", "期初余额", "期初数", "opening balance"},
    LedgerKind.INVOICE: {"发票", "开票", "货款", "货款发票", "销售发票", "goods invoice"},
    LedgerKind.PAYMENT: {"回款", "付款", "收款", "汇款", "货款回笼"},
}
KEEP_SECONDS = 24 * 3600
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")


def parse_kind(value) -> LedgerKind:
    text = str(value).strip().lower()
    for kind, words in KIND_WORDS.items():
        if text in words:
            return kind
    kind = LedgerKind.parse(text)
    if kind is None:
        raise ValueError(_("Unknown kind; use one of: %(values)s", values=", ".join(
            f"{k.value} ({k.title})" for k in (LedgerKind.OPENING, LedgerKind.INVOICE,
                                               LedgerKind.PAYMENT))))
    return kind


def parse_amount(value) -> Decimal:
    """An amount in yuan as the ERP gives it; only an opening balance may be negative."""
    if isinstance(value, bool):
        raise ValueError(_("Enter an amount in yuan, like 125.50."))
    text = str(value).replace(",", "").replace("¥", "").replace("￥", "").strip()
    amount = finite_decimal(text)
    if amount is None:
        raise ValueError(_("Enter an amount in yuan, like 125.50."))
    if amount.as_tuple().exponent < -2:
        raise ValueError(_("Enter an amount in yuan with at most two decimal places."))
    return amount


COLUMNS = [
    Column("dealer", LABELS["dealer"], parse_code,
           aliases=("经销商代码", "经销商编码", "经销商编号", "客户编码", "客户代码")),
    Column("date", LABELS["date"], parse_date, width=12,
           aliases=("日期", "业务日期", "单据日期", "记账日期")),
    Column("kind", LABELS["kind"], parse_kind, width=12, aliases=("类型", "业务类型", "类别")),
    Column("reference", LABELS["reference"], parse_text(40), width=20,
           aliases=("单据号", "单号", "凭证号", "参考号", "ERP单号")),
    Column("amount", LABELS["amount"], parse_amount, number_format="#,##0.00",
           aliases=("金额", "金额(元)", "金额（元）")),
    Column("memo", LABELS["memo"], parse_text(200), required=False, width=30,
           aliases=("摘要", "备注", "说明")),
]


def read_entries(data: bytes) -> tuple[list[tuple[int, dict]], list[Problem]]:
    """The sheet's rows, numbered as Excel numbers them, and what could not be read."""
    sheet = read_sheet(data, COLUMNS)
    labels = {str(c.label): c.key for c in COLUMNS}
    problems = [Problem(e.row, labels.get(e.column, e.column), e.message) for e in sheet.errors]
    return sheet.rows, problems


def preview(data: bytes) -> ImportResult:
    """What importing the sheet would do, writing nothing."""
    rows, problems = read_entries(data)
    result = plan_entries(rows) if rows else ImportResult()
    result.problems = sorted([*problems, *result.problems], key=lambda p: p.row)
    return result


def import_sheet(data: bytes, *, actor) -> ImportResult:
    """Import the sheet: all rows or, with any problem, none."""
    rows, problems = read_entries(data)
    return import_entries(rows, actor=actor, problems=problems)


def template() -> bytes:
    """The empty sheet with its headings, for the ERP export to fill in."""
    return write_sheet(_("Receivable ledger"), COLUMNS, [])


# --- uploads waiting for the user to confirm the import --------------------------------------

def _folder() -> Path:
    return Path(current_app.instance_path) / "ledger-imports"


def keep_upload(data: bytes) -> str:
    """Keep a checked upload until it is imported; answer its token."""
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    stale = time.time() - KEEP_SECONDS
    for old in folder.glob("*.xlsx"):
        if old.stat().st_mtime < stale:
            old.unlink(missing_ok=True)
    token = uuid.uuid4().hex
    (folder / f"{token}.xlsx").write_bytes(data)
    return token


def kept_upload(token: str) -> bytes | None:
    if not TOKEN_RE.match(token or ""):
        return None
    path = _folder() / f"{token}.xlsx"
    return path.read_bytes() if path.is_file() else None


def drop_upload(token: str) -> None:
    if TOKEN_RE.match(token or ""):
        (_folder() / f"{token}.xlsx").unlink(missing_ok=True)
