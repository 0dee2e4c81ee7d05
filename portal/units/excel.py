"""Import shipped units from Excel: thousands of rows, all or none, re-import updates."""

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.catalog.models import ProductModel
from portal.core import audit
from portal.core.excel import (
    Column,
    RowError,
    flag_duplicates,
    parse_code,
    parse_date,
    parse_flag,
    parse_text,
    read_sheet,
    write_sheet,
)
from portal.dealers.models import Dealer
from portal.extensions import db
from portal.units.models import Unit
from portal.units.services import UNIT_FIELDS, unit_problems


def parse_upper_code(value) -> str:
    """Serial and engine numbers are kept in capitals, so searches find them as typed."""
    return parse_code(value).upper()


COLUMNS = [
    Column("serial", _l("Serial number"), parse_upper_code, width=18),
    Column("model", _l("Model code"), parse_code),
    Column("engine_no", _l("Engine number"), parse_upper_code, required=False, width=18),
    Column("frame_no", _l("Frame number"), parse_text(40), required=False, width=18),
    Column("production_date", _l("Production date"), parse_date, width=14),
    Column("batch", _l("Production batch"), parse_text(40)),
    Column("dealer", _l("Dealer code"), parse_code),
    Column("shipped_on", _l("Shipped on"), parse_date, width=14),
    Column("delivery_note_no", _l("Delivery note number"), parse_text(40), required=False,
           width=18),
    Column("delivery_confirmed", _l("Delivery note confirmed"), parse_flag, required=False),
]
CHUNK = 500


def _lookup(model, column, keys) -> dict:
    found = {}
    keys = sorted(k for k in keys if k)
    for start in range(0, len(keys), CHUNK):
        rows = db.session.scalars(sa.select(model).where(column.in_(keys[start:start + CHUNK])))
        found.update({getattr(r, column.key): r for r in rows})
    return found


def _label(key: str) -> str:
    return str(next(c.label for c in COLUMNS if c.key == key))


def import_units(data: bytes, *, actor, today: date) -> tuple[int, int, list[RowError]]:
    """Create or update units from a sheet; with any error, change nothing."""
    sheet = read_sheet(data, COLUMNS)
    flag_duplicates(sheet, "serial", COLUMNS[0].label)
    rows = sheet.rows
    models = _lookup(ProductModel, ProductModel.code, {v["model"] for _n, v in rows})
    dealers = _lookup(Dealer, Dealer.code, {v["dealer"] for _n, v in rows})
    for number, values in rows:
        if values["model"] and values["model"] not in models:
            sheet.errors.append(RowError(number, _label("model"), _("Unknown model code.")))
        if values["dealer"] and values["dealer"] not in dealers:
            sheet.errors.append(RowError(number, _label("dealer"), _("Unknown dealer code.")))
        for key, message in unit_problems(values, today).items():
            sheet.errors.append(RowError(number, _label(key), message))
    if sheet.errors:
        return 0, 0, sorted(sheet.errors, key=lambda e: e.row)
    existing = _lookup(Unit, Unit.serial, {v["serial"] for _n, v in rows})
    created, updated = [], []
    for _number, values in rows:
        values = values | {"model_id": models[values.pop("model")].id,
                           "dealer_id": dealers[values.pop("dealer")].id,
                           "engine_no": values["engine_no"] or "",
                           "frame_no": values["frame_no"] or "",
                           "delivery_note_no": values["delivery_note_no"] or "",
                           "delivery_confirmed": bool(values["delivery_confirmed"])}
        unit = existing.get(values["serial"])
        if unit is None:
            unit = Unit(**{k: values[k] for k in UNIT_FIELDS})
            db.session.add(unit)
            created.append((unit, {k: (None, values[k]) for k in UNIT_FIELDS}))
        elif changes := audit.apply_changes(unit, {k: values[k] for k in UNIT_FIELDS}):
            updated.append((unit, changes))
    audit.record_many("create", created, actor=actor)
    audit.record_many("update", updated, actor=actor)
    return len(created), len(updated), []


def template() -> bytes:
    """An empty sheet with the headings, for head office to fill in."""
    return write_sheet(_("Units"), COLUMNS, [])
