"""Excel import and export of product models and parts (all rows or none)."""

import re
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.catalog import services
from portal.catalog.models import ModelCategory, Part, PartKind, ProductModel
from portal.core.db import money
from portal.core.excel import Column, RowError, Sheet, read_sheet, write_sheet
from portal.extensions import db

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
TRUE_WORDS = {"1", "y", "yes", "true", "是", "需要", "√"}
FALSE_WORDS = {"0", "n", "no", "false", "否", "不需要", "×"}


def _code(value) -> str:
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if not CODE_RE.match(text):
        raise ValueError(_("Letters, digits and . _ / - only, at most 40."))
    return text


def _text(limit: int):
    def parse(value) -> str:
        text = str(value).strip()
        if len(text) > limit:
            raise ValueError(_("At most %(n)d characters.", n=limit))
        return text

    return parse


def _int(low: int, high: int):
    def parse(value) -> int:
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise ValueError(_("Enter a whole number.")) from None
        if number != number.to_integral_value() or not low <= number <= high:
            raise ValueError(_("Enter a whole number from %(low)d to %(high)d.", low=low,
                               high=high))
        return int(number)

    return parse


def _money(value) -> Decimal:
    # Excel keeps numbers as binary floats; str() gives the decimal the user typed.
    try:
        amount = Decimal(str(value).replace(",", "").replace("¥", "").strip())
    except InvalidOperation:
        raise ValueError(_("Enter an amount in yuan, like 125.50.")) from None
    if amount < 0 or amount.as_tuple().exponent < -2 or amount >= Decimal("10000000"):
        raise ValueError(_("Enter an amount in yuan with at most two decimal places."))
    return money(amount)


def _flag(value) -> bool:
    text = str(value).strip().lower()
    if isinstance(value, bool):
        return value
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(_("Enter 是 or 否 (yes or no)."))


def _enum(enum_cls):
    def parse(value):
        member = enum_cls.parse(value)
        if member is None:
            raise ValueError(_("Unknown value; use one of: %(values)s",
                               values=", ".join(m.title for m in enum_cls)))
        return member

    return parse


def _model_codes(value) -> list[str]:
    return [c for c in re.split(r"[,，;；、\s]+", str(value).strip()) if c]


MODEL_COLUMNS = [
    Column("code", _l("Model code"), _code),
    Column("name", _l("Name"), _text(120), width=24),
    Column("category", _l("Category"), _enum(ModelCategory), width=20),
    Column("whole_months", _l("Whole machine (months)"), _int(0, 120)),
    Column("main_parts_months", _l("Main parts (months)"), _int(0, 120)),
    Column("wear_parts_months", _l("Wear parts (months)"), _int(0, 120)),
    Column("running_in_hours", _l("Running-in hours"), _int(0, 1000)),
    Column("main_parts_named", _l("Main parts named"), _text(2000), required=False, width=40),
]

PART_COLUMNS = [
    Column("part_number", _l("Part number"), _code, width=18),
    Column("name", _l("Name"), _text(120), width=24),
    Column("kind", _l("Kind"), _enum(PartKind)),
    Column("price", _l("Price (yuan)"), _money),
    Column("return_required", _l("Old part must be returned"), _flag),
    Column("warranty_months", _l("Own warranty (months)"), _int(0, 120), required=False),
    Column("supplier", _l("Supplier"), _text(120), required=False, width=24),
    Column("models", _l("Fits models"), _model_codes, width=30),
]


def _duplicates(sheet: Sheet, key: str, label) -> None:
    seen = {}
    for number, values in sheet.rows:
        value = values.get(key)
        if value and value in seen:
            sheet.errors.append(RowError(number, str(label), _(
                "Also on row %(row)d of this file.", row=seen[value])))
        seen.setdefault(value, number)


def import_models(data: bytes, *, actor) -> tuple[int, int, list[RowError]]:
    """Create or update product models from a sheet; with any error, change nothing."""
    sheet = read_sheet(data, MODEL_COLUMNS)
    _duplicates(sheet, "code", MODEL_COLUMNS[0].label)
    for number, values in sheet.rows:
        if values["category"] and values["whole_months"] is not None and (
            values["main_parts_months"] is not None
        ):
            problems = services.legal_problems(values["category"], values["whole_months"],
                                               values["main_parts_months"])
            for key, message in problems.items():
                label = next(c.label for c in MODEL_COLUMNS if c.key == key)
                sheet.errors.append(RowError(number, str(label), message))
    if sheet.errors:
        return 0, 0, sorted(sheet.errors, key=lambda e: e.row)
    existing = {m.code: m for m in db.session.scalars(sa.select(ProductModel))}
    created = updated = 0
    for _number, values in sheet.rows:
        values["main_parts_named"] = values["main_parts_named"] or ""
        values["is_active"] = True
        model = existing.get(values["code"])
        services.save_model(model, values, actor=actor)
        created, updated = (created + 1, updated) if model is None else (created, updated + 1)
    return created, updated, []


def import_parts(data: bytes, *, actor) -> tuple[int, int, list[RowError]]:
    """Create or update parts (and the models they fit); with any error, change nothing."""
    sheet = read_sheet(data, PART_COLUMNS)
    _duplicates(sheet, "part_number", PART_COLUMNS[0].label)
    models = {m.code: m for m in db.session.scalars(sa.select(ProductModel))}
    for number, values in sheet.rows:
        unknown = [c for c in values.get("models") or [] if c not in models]
        if unknown:
            sheet.errors.append(RowError(number, str(PART_COLUMNS[-1].label), _(
                "Unknown model code(s): %(codes)s", codes=", ".join(unknown))))
    if sheet.errors:
        return 0, 0, sorted(sheet.errors, key=lambda e: e.row)
    existing = {p.part_number: p for p in db.session.scalars(sa.select(Part))}
    created = updated = 0
    for _number, values in sheet.rows:
        fits = [models[c] for c in values.pop("models")]
        values["supplier"] = values["supplier"] or ""
        values["is_active"] = True
        part = existing.get(values["part_number"])
        services.save_part(part, values, fits, actor=actor)
        created, updated = (created + 1, updated) if part is None else (created, updated + 1)
    return created, updated, []


def export_models() -> bytes:
    models = db.session.scalars(sa.select(ProductModel).order_by(ProductModel.code))
    rows = [[m.code, m.name, m.category.title, m.whole_months, m.main_parts_months,
             m.wear_parts_months, m.running_in_hours, m.main_parts_named] for m in models]
    return write_sheet(_("Product models"), MODEL_COLUMNS, rows)


def export_parts() -> bytes:
    parts = db.session.scalars(
        sa.select(Part).options(selectinload(Part.models)).order_by(Part.part_number)
    )
    rows = [[p.part_number, p.name, p.kind.title, p.price, _("Yes") if p.return_required
             else _("No"), p.warranty_months, p.supplier,
             ", ".join(m.code for m in p.models)] for p in parts]
    return write_sheet(_("Parts"), PART_COLUMNS, rows)
