"""Excel import and export of product models and parts (all rows or none)."""

import re
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.catalog import services
from portal.catalog.models import ModelCategory, Part, PartKind, ProductModel
from portal.core.excel import (
    Column,
    RowError,
    flag_duplicates,
    parse_code,
    parse_enum,
    parse_flag,
    parse_int,
    parse_money,
    parse_text,
    read_sheet,
    write_sheet,
)
from portal.extensions import db


def _consumption(value) -> Decimal:
    """Units of a part one working unit uses in a season: 0 or more, three decimals at most."""
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise ValueError(_("Enter a number like 0.5.")) from None
    if not number.is_finite() or number < 0 or number >= 100000 or (
        number.as_tuple().exponent < -3
    ):
        raise ValueError(_("Enter a number from 0 to 99999.999, at most three decimals."))
    return number.quantize(Decimal("0.001"))


def _model_codes(value) -> list[str]:
    return [c for c in re.split(r"[,，;；、\s]+", str(value).strip()) if c]


MODEL_COLUMNS = [
    Column("code", _l("Model code"), parse_code),
    Column("name", _l("Name"), parse_text(120), width=24),
    Column("category", _l("Category"), parse_enum(ModelCategory), width=20),
    Column("whole_months", _l("Whole machine (months)"), parse_int(0, 120)),
    Column("main_parts_months", _l("Main parts (months)"), parse_int(0, 120)),
    Column("wear_parts_months", _l("Wear parts (months)"), parse_int(0, 120)),
    Column("running_in_hours", _l("Running-in hours"), parse_int(0, 1000)),
    Column("main_parts_named", _l("Main parts named"), parse_text(2000), required=False, width=40),
    # Optional, so sheets from before it still import; blank keeps the model's price.
    Column("dealer_price", _l("Dealer price (经销价, yuan)"), parse_money, required=False,
           width=14, number_format="0.00"),
]

PART_COLUMNS = [
    Column("part_number", _l("Part number"), parse_code, width=18),
    Column("name", _l("Name"), parse_text(120), width=24),
    Column("kind", _l("Kind"), parse_enum(PartKind)),
    Column("price", _l("Price (yuan)"), parse_money),
    Column("return_required", _l("Old part must be returned"), parse_flag),
    Column("warranty_months", _l("Own warranty (months)"), parse_int(0, 120), required=False),
    Column("supplier", _l("Supplier"), parse_text(120), required=False, width=24),
    Column("models", _l("Fits models"), _model_codes, width=30),
    # Optional, so sheets from before it still import; blank means none.
    Column("season_consumption", _l("Consumed per working unit and season"), _consumption,
           required=False, width=14, number_format="0.000"),
]


def _report(sheet, number: int, columns, problems: dict) -> None:
    """Put a row's rule problems on the sheet, each under its column's label."""
    for key, message in problems.items():
        label = next(c.label for c in columns if c.key == key)
        sheet.errors.append(RowError(number, str(label), message))


def import_models(data: bytes, *, actor) -> tuple[int, int, list[RowError]]:
    """Create or update product models from a sheet; with any error, change nothing."""
    sheet = read_sheet(data, MODEL_COLUMNS)
    flag_duplicates(sheet, "code", MODEL_COLUMNS[0].label)
    for number, values in sheet.rows:
        if values["category"] and values["whole_months"] is not None and (
            values["main_parts_months"] is not None
        ):
            problems = services.legal_problems(values["category"], values["whole_months"],
                                               values["main_parts_months"],
                                               values["wear_parts_months"])
            _report(sheet, number, MODEL_COLUMNS, problems)
        if problem := services.dealer_price_problem(values["dealer_price"]):
            _report(sheet, number, MODEL_COLUMNS, {"dealer_price": problem})
    if sheet.errors:
        return 0, 0, sorted(sheet.errors, key=lambda e: e.row)
    existing = {m.code: m for m in db.session.scalars(sa.select(ProductModel))}
    created = updated = 0
    for _number, values in sheet.rows:
        values["main_parts_named"] = values["main_parts_named"] or ""
        values["is_active"] = True
        if values["dealer_price"] is None:
            del values["dealer_price"]
        model = existing.get(values["code"])
        services.save_model(model, values, actor=actor)
        created, updated = (created + 1, updated) if model is None else (created, updated + 1)
    return created, updated, []


def import_parts(data: bytes, *, actor) -> tuple[int, int, list[RowError]]:
    """Create or update parts (and the models they fit); with any error, change nothing."""
    sheet = read_sheet(data, PART_COLUMNS)
    flag_duplicates(sheet, "part_number", PART_COLUMNS[0].label)
    models = {m.code: m for m in db.session.scalars(sa.select(ProductModel))}
    models_label = next(c.label for c in PART_COLUMNS if c.key == "models")
    for number, values in sheet.rows:
        unknown = [c for c in values.get("models") or [] if c not in models]
        if unknown:
            sheet.errors.append(RowError(number, str(models_label), _(
                "Unknown model code(s): %(codes)s", codes=", ".join(unknown))))
        elif values.get("kind"):
            _report(sheet, number, PART_COLUMNS, services.part_problems(
                values["kind"], values.get("warranty_months"),
                [models[c] for c in values.get("models") or []]))
    if sheet.errors:
        return 0, 0, sorted(sheet.errors, key=lambda e: e.row)
    existing = {p.part_number: p for p in db.session.scalars(sa.select(Part))}
    created = updated = 0
    for _number, values in sheet.rows:
        fits = [models[c] for c in values.pop("models")]
        values["supplier"] = values["supplier"] or ""
        values["season_consumption"] = values["season_consumption"] or Decimal("0.000")
        values["is_active"] = True
        part = existing.get(values["part_number"])
        services.save_part(part, values, fits, actor=actor)
        created, updated = (created + 1, updated) if part is None else (created, updated + 1)
    return created, updated, []


def export_models() -> bytes:
    models = db.session.scalars(sa.select(ProductModel).order_by(ProductModel.code))
    rows = [[m.code, m.name, m.category.title, m.whole_months, m.main_parts_months,
             m.wear_parts_months, m.running_in_hours, m.main_parts_named, m.dealer_price]
            for m in models]
    return write_sheet(_("Product models"), MODEL_COLUMNS, rows)


def export_parts() -> bytes:
    parts = db.session.scalars(
        sa.select(Part).options(selectinload(Part.models)).order_by(Part.part_number)
    )
    rows = [[p.part_number, p.name, p.kind.title, p.price, _("Yes") if p.return_required
             else _("No"), p.warranty_months, p.supplier,
             ", ".join(m.code for m in p.models), p.season_consumption] for p in parts]
    return write_sheet(_("Parts"), PART_COLUMNS, rows)
