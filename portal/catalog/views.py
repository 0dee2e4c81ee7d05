"""Product models and parts: browse for everyone, edit and import/export for the administrator."""

from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.accounts.roles import signed_in
from portal.catalog import excel, services
from portal.catalog.access import can_edit_catalog
from portal.catalog.forms import ImportForm, PartForm, ProductModelForm
from portal.catalog.models import ModelCategory, Part, PartKind, ProductModel
from portal.core import audit
from portal.core.actions import form_action, sheet_import
from portal.core.converters import record_id
from portal.core.db import shanghai_today
from portal.core.downloads import download
from portal.core.htmx import render
from portal.core.pagination import request_page
from portal.core.permissions import requires
from portal.extensions import db

bp = Blueprint("catalog", __name__, url_prefix="/catalog")
admin_only = requires(can_edit_catalog)


def editing(model, ident, form_class):
    """What a create-or-edit page works on: the record (None when creating, 404 for an unknown
    id) and its form, filled from the record."""
    record = db.get_or_404(model, ident) if ident else None
    return record, form_class(obj=record)


@bp.route("/models")
@signed_in
def models():
    """List product models with their warranty periods."""
    rows = db.session.scalars(sa.select(ProductModel).order_by(ProductModel.code)).all()
    return render("catalog/models.html", models=rows)


@bp.route("/models/<id:model_id>")
@signed_in
def model_detail(model_id):
    """Show a model, its periods and the parts that fit it."""
    model = db.get_or_404(ProductModel, model_id)
    return render("catalog/model_detail.html", model=model, history=audit.history(model))


def _model_values(form) -> dict:
    return {k: getattr(form, k).data for k in services.MODEL_FIELDS} | {
        "category": ModelCategory(form.category.data),
        "main_parts_named": (form.main_parts_named.data or "").strip(),
        "name": form.name.data.strip(), "dealer_price": form.dealer_price.data,
    }


@bp.route("/models/new", methods=["GET", "POST"], defaults={"model_id": None})
@bp.route("/models/<id:model_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_model(model_id):
    """Create or edit a product model."""
    model, form = editing(ProductModel, model_id, ProductModelForm)
    if model and request.method == "GET":
        form.category.data = model.category.value
        form.version.data = model.version
    return form_action(form, lambda: services.save_model(
        model, _model_values(form), actor=current_user,
        version=form.seen_version),
        success=lambda saved: _("Model %(code)s saved.", code=saved.code),
        done=lambda saved: url_for("catalog.model_detail", model_id=saved.id),
        again=lambda form: render("catalog/model_form.html", form=form, model=model))


@bp.route("/parts")
@signed_in
def parts():
    """List parts with active search by number or name, filtered by kind and model."""
    q = request.args.get("q", "").strip()
    kind = PartKind.parse(request.args.get("kind"))
    model_id = request.args.get("model", type=record_id)
    stmt = sa.select(Part).options(selectinload(Part.models))
    if q:
        like = f"%{q}%"
        stmt = stmt.where(sa.or_(Part.part_number.ilike(like), Part.name.ilike(like)))
    if kind:
        stmt = stmt.where(Part.kind == kind)
    if model_id:
        stmt = stmt.where(Part.models.any(ProductModel.id == model_id))
    if key := request.args.get("key") == "1":
        stmt = stmt.where(Part.key_part.is_(True))
    page = request_page(stmt, Part.part_number, Part.id)
    all_models = db.session.scalars(sa.select(ProductModel).order_by(ProductModel.code)).all()
    return render("catalog/parts.html", "catalog/_part_rows.html", page=page, q=q, kind=kind,
                  model_id=model_id, kinds=PartKind, all_models=all_models, key=key)


@bp.route("/parts/<id:part_id>")
@signed_in
def part_detail(part_id):
    """Show a part and the models it fits."""
    part = db.get_or_404(Part, part_id)
    return render("catalog/part_detail.html", part=part, history=audit.history(part))


@bp.route("/parts/new", methods=["GET", "POST"], defaults={"part_id": None})
@bp.route("/parts/<id:part_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_part(part_id):
    """Create or edit a part."""
    part, form = editing(Part, part_id, PartForm)
    if part and request.method == "GET":
        form.kind.data = part.kind.value
        form.model_ids.data = [m.id for m in part.models]
        form.version.data = part.version

    def action():
        values = {k: getattr(form, k).data for k in services.PART_FIELDS} | {
            "kind": PartKind(form.kind.data), "name": form.name.data.strip(),
            "supplier": (form.supplier.data or "").strip(), "watched": form.watched.data,
            "key_part": form.key_part.data,
            "season_consumption": form.season_consumption.data or Decimal("0"),
        }
        fits = db.session.scalars(
            sa.select(ProductModel).where(ProductModel.id.in_(form.model_ids.data or []))
        ).all()
        return services.save_part(part, values, fits, actor=current_user,
                                  version=form.seen_version)

    return form_action(
        form, action, success=lambda saved: _("Part %(code)s saved.", code=saved.part_number),
        done=lambda saved: url_for("catalog.part_detail", part_id=saved.id),
        again=lambda form: render("catalog/part_form.html", form=form, part=part))


IMPORTS = {"models": excel.import_models, "parts": excel.import_parts}
EXPORTS = {"models": excel.export_models, "parts": excel.export_parts}


@bp.route("/<any(models, parts):what>/export.xlsx")
@signed_in
def export(what):
    """Download models or parts as an .xlsx sheet that can be edited and re-imported."""
    data = EXPORTS[what]()
    name = f"{what}-{shanghai_today().isoformat()}.xlsx"
    return download(data, name)


@bp.route("/<any(models, parts):what>/import", methods=["GET", "POST"])
@admin_only
def import_sheet(what):
    """Import models or parts from .xlsx: all rows, or none with every error listed."""
    form = ImportForm()
    return sheet_import(
        form, lambda data: IMPORTS[what](data, actor=current_user),
        done=url_for(f"catalog.{what}"),
        again=lambda errors, status: render("catalog/import.html", status=status, form=form,
                                            what=what, errors=errors))
