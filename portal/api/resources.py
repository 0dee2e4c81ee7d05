"""The v1 resources: dealers, models, parts, fault codes, units, warranty cards, coverage,
entitlements."""

import sqlalchemy as sa
from flask import g, jsonify, request, url_for

from portal.api.views import (
    CODE_RE,
    ApiError,
    boolean,
    bp,
    code,
    integer,
    iso_date,
    json_body,
    money,
    rule_broken,
    string_list,
    text,
    token_required,
)
from portal.catalog import services as catalog
from portal.catalog.access import can_edit_catalog
from portal.catalog.models import (
    FaultCode,
    FaultSeverity,
    ModelCategory,
    Part,
    PartKind,
    ProductModel,
)
from portal.claims.repairs import coverage_for
from portal.core.db import shanghai_today
from portal.core.errors import DomainError
from portal.core.regions import PROVINCES
from portal.core.versioning import api_version
from portal.dealers import services as dealers
from portal.dealers.access import can_manage_dealers
from portal.dealers.models import Dealer, DealerGrade
from portal.extensions import db
from portal.finance.cost_totals import save_unit
from portal.service.entitlements import flags_of_unit
from portal.units import card_services as cards
from portal.units.access import can_keep_cards, can_sync_units
from portal.units.models import Unit
from portal.units.scope import visible_units


def _commit(action, fields: dict | None = None):
    """Run one service call as the transaction; a refused rule becomes 422/409, naming the
    field by the request's own name (``fields`` maps the service's names to the API's)."""
    try:
        result = action()
    except DomainError as error:
        error.field = (fields or {}).get(error.field, error.field)
        raise rule_broken(error) from None
    db.session.commit()
    return result


def _one(model, column, value):
    return db.session.scalar(sa.select(model).where(column == value))


def _to_change(model, column, value):
    """The record a PUT changes, its row locked (FOR UPDATE; SQLite holds its whole write lock
    from BEGIN already): a PUT without a version acts on the latest, so on PostgreSQL one made
    at the same time as another waits for it and then updates what it left, rather than
    failing with a conflict over a version it never named."""
    return db.session.scalar(sa.select(model).where(column == value).with_for_update(of=model)
                             .execution_options(populate_existing=True))


def _enum(enum_cls, value, field):
    member = enum_cls.parse(value) if isinstance(value, str) else None
    if member is None:
        raise ApiError(400, "bad_request",
                       f"{field}: one of {', '.join(m.value for m in enum_cls)}", field)
    return member


@bp.put("/dealers/<dealer_code>")
@token_required(can_manage_dealers)
def put_dealer(dealer_code):
    """Create or update a dealer."""
    data = json_body()
    values = {"code": code(dealer_code.upper(), "code"), "name": text(data, "name", 120),
              "province": text(data, "province", 30), "city": text(data, "city", 30),
              "grade": _enum(DealerGrade, data.get("grade"), "grade")}
    if values["province"] not in PROVINCES:
        raise ApiError(422, "rule_violated", "province: not a province of China", "province")
    dealer = _to_change(Dealer, Dealer.code, values["code"])
    if dealer is None:
        blank = dict.fromkeys(("address", "contact_name", "contact_phone", "service_phone",
                               "email"), "")
        dealer = _commit(lambda: dealers.create_dealer(
            blank | values | {"sales_rep_id": None}, actor=g.api_user))
        status = 201
    else:
        current = {k: getattr(dealer, k) for k in dealers.FIELDS}
        _commit(lambda: dealers.update_dealer(dealer, current | values,
                                              version=api_version(data), actor=g.api_user))
        status = 200
    return jsonify(dealer_json(dealer)), status


def dealer_json(dealer) -> dict:
    return {"code": dealer.code, "name": dealer.name, "province": dealer.province,
            "city": dealer.city, "grade": dealer.grade.value, "status": dealer.status.value,
            "version": dealer.version}


@bp.put("/models/<model_code>")
@token_required(can_edit_catalog)
def put_model(model_code):
    """Create or update a product model."""
    data = json_body()
    model = _to_change(ProductModel, ProductModel.code, model_code)
    values = {
        "code": code(model_code, "code"), "name": text(data, "name", 120),
        "category": _enum(ModelCategory, data.get("category"), "category"),
        "whole_months": integer(data, "whole_months", 1, 120),
        "main_parts_months": integer(data, "main_months", 1, 120),
        "wear_parts_months": integer(data, "wear_months", 0, 120),
        "running_in_hours": model.running_in_hours if model else 0,
        "main_parts_named": model.main_parts_named if model else "",
        "is_active": True,
    }
    if "dealer_price" in data:  # left out: the price stays as it is
        values["dealer_price"] = (None if data["dealer_price"] is None
                                  else money(data, "dealer_price"))
    model = _commit(lambda: catalog.save_model(model, values, actor=g.api_user,
                                               version=api_version(data)),
                    {"main_parts_months": "main_months", "wear_parts_months": "wear_months"})
    return jsonify(model_json(model)), 200


def model_json(model) -> dict:
    return {"code": model.code, "name": model.name, "category": model.category.value,
            "whole_months": model.whole_months, "main_months": model.main_parts_months,
            "wear_months": model.wear_parts_months,
            "dealer_price": str(model.dealer_price) if model.dealer_price is not None else None,
            "version": model.version}


@bp.put("/parts/<part_no>")
@token_required(can_edit_catalog)
def put_part(part_no):
    """Create or update a part and the models it fits."""
    data = json_body()
    values = {
        "part_number": code(part_no, "part_no"), "name": text(data, "name", 120),
        "kind": _enum(PartKind, data.get("kind"), "kind"), "price": money(data, "price"),
        "return_required": boolean(data, "return_required"),
        "warranty_months": integer(data, "months", 0, 120, nullable=True),
    }
    wanted = string_list(data, "models")
    fits = db.session.scalars(sa.select(ProductModel).where(ProductModel.code.in_(wanted))).all()
    if unknown := sorted(set(wanted) - {m.code for m in fits}):
        raise ApiError(422, "rule_violated", f"models: unknown {', '.join(unknown)}", "models")
    part = _to_change(Part, Part.part_number, part_no)
    values |= {"supplier": part.supplier if part else "", "is_active": True}
    part = _commit(lambda: catalog.save_part(part, values, fits, actor=g.api_user,
                                             version=api_version(data)),
                   {"warranty_months": "months"})
    return jsonify(part_json(part)), 200


def part_json(part) -> dict:
    return {"part_no": part.part_number, "name": part.name, "kind": part.kind.value,
            "price": str(part.price), "models": [m.code for m in part.models],
            "months": part.warranty_months, "return_required": part.return_required,
            "version": part.version}


@bp.put("/fault-codes/<fault_code>")
@token_required(can_edit_catalog)
def put_fault_code(fault_code):
    """Create or update a fault code: its description and severity (serious | general)."""
    data = json_body()
    if not CODE_RE.match(fault_code) or len(fault_code) > 20:
        raise _unfit("code", "letters, digits and . _ / - only, at most 20")
    description = data.get("description")
    if not isinstance(description, str) or not description.strip() or len(description) > 200:
        raise _unfit("description", "a non-empty string of at most 200 characters")
    severity = data.get("severity")
    if not isinstance(severity, str) or severity not in {s.value for s in FaultSeverity}:
        raise _unfit("severity", "one of serious, general")
    fault = _to_change(FaultCode, FaultCode.code, fault_code)
    values = {"description": description.strip(), "severity": FaultSeverity(severity)}
    if fault is None:
        values |= {"code": fault_code, "is_active": True}
    saved = _commit(lambda: catalog.save_fault_code(fault, values, {}, actor=g.api_user))
    return jsonify(fault_code_json(saved)), 201 if fault is None else 200


def _unfit(field: str, what: str) -> ApiError:
    return ApiError(422, "rule_violated", f"{field}: {what}", field)


def fault_code_json(fault) -> dict:
    return {"code": fault.code, "description": fault.description,
            "severity": fault.severity.value, "watched": fault.watched,
            "is_active": fault.is_active}


@bp.put("/units/<serial>")
@token_required(can_sync_units)
def put_unit(serial):
    """Create or update a shipped unit."""
    data = json_body()
    model = _one(ProductModel, ProductModel.code, text(data, "model", 40))
    dealer = _one(Dealer, Dealer.code, text(data, "dealer", 20).upper())
    for field, found in (("model", model), ("dealer", dealer)):
        if found is None:
            raise ApiError(422, "rule_violated", f"{field}: unknown code", field)
    values = {"serial": code(serial.upper(), "serial"), "model_id": model.id,
              "dealer_id": dealer.id, "production_date": iso_date(data, "production_date"),
              "batch": text(data, "batch", 40), "engine_no": text(data, "engine_no", 40,
                                                                  required=False).upper(),
              "shipped_on": iso_date(data, "shipped_on")}
    unit = _to_change(Unit, Unit.serial, values["serial"])
    unit = _commit(lambda: save_unit(unit, values, actor=g.api_user, today=shanghai_today()))
    return jsonify(unit_json(unit)), 200


def _visible_unit(serial: str) -> Unit:
    unit = db.session.scalar(visible_units(g.api_user).where(Unit.serial == serial.upper()))
    if unit is None:
        raise ApiError(404, "not_found", "No such unit.")
    return unit


def unit_json(unit) -> dict:
    card = unit.card
    return {
        "serial": unit.serial, "model": unit.model.code, "dealer": unit.dealer.code
        if unit.dealer else None, "production_date": unit.production_date.isoformat(),
        "batch": unit.batch, "engine_no": unit.engine_no,
        "shipped_on": unit.shipped_on.isoformat() if unit.shipped_on else None,
        "card": card_json(card) if card else None,
    }


def card_json(card) -> dict:
    return {
        "id": card.id, "serial": card.unit.serial, "status": card.status.value,
        "buyer_name": card.buyer_name, "sale_date": card.sale_date.isoformat(),
        "invoice_date": card.invoice_date.isoformat() if card.invoice_date else None,
        "received_on": card.received_on.isoformat() if card.received_on else None,
        "recognised": card.recognised, "late_days": card.late_days,
    }


@bp.get("/units/<serial>")
@token_required()
def get_unit(serial):
    """A unit with its warranty card."""
    return jsonify(unit_json(_visible_unit(serial)))


@bp.post("/warranty-cards")
@token_required(can_keep_cards)
def post_card():
    """File a unit's warranty card (dealers for their own units)."""
    data = json_body()
    unit = _visible_unit(text(data, "serial", 40))
    values = {"buyer_name": text(data, "buyer_name", 60),
              "buyer_phone": text(data, "buyer_phone", 20),
              "address": text(data, "address", 200),
              "invoice_no": text(data, "invoice_no", 40),
              "invoice_date": iso_date(data, "invoice_date"),
              "sale_date": iso_date(data, "sale_date"),
              "province": text(data, "province", 30, required=False) or (
                  unit.dealer.province if unit.dealer else ""),
              "city": text(data, "city", 30, required=False) or (
                  unit.dealer.city if unit.dealer else "")}
    received_on = iso_date(data, "received_on", required=False)
    card = _commit(lambda: cards.save_card(unit, values, actor=g.api_user,
                                           today=shanghai_today(), file=True,
                                           received_on=received_on))
    body = {"id": card.id, "serial": unit.serial, "recognised": card.recognised,
            "late_days": card.late_days}
    return jsonify(body), 201, {"Location": url_for("api.get_unit", serial=unit.serial)}


@bp.get("/units/<serial>/coverage")
@token_required()
def get_coverage(serial):
    """Whether a failure on a date, of a part or the whole machine, is covered for the buyer
    and reimbursed to the dealer, and why not."""
    unit = _visible_unit(serial)
    on = iso_date(dict(request.args), "on")
    part = None
    if "part" in request.args:
        part = _one(Part, Part.part_number, request.args["part"])
        if part is None:
            raise ApiError(404, "not_found", "No such part.")
    verdict = coverage_for(unit, part, on)
    return jsonify(coverage_json(unit, part, on, verdict))


def coverage_json(unit, part, on, verdict) -> dict:
    def iso(day):
        return day.isoformat() if day else None

    return {"serial": unit.serial, "part": part.part_number if part else None,
            "on": on.isoformat(), "covered": verdict.covered, "clock": verdict.clock.value,
            "months": verdict.months, "starts_on": iso(verdict.starts_on),
            "ends_on": iso(verdict.ends_on), "extension_days": verdict.extension_days,
            "rolled_from": iso(verdict.rolled_from),
            "calendar_assumed": verdict.calendar_assumed,
            "calendar_source": verdict.calendar_source and verdict.calendar_source.value,
            "reasons": [r.value for r in verdict.reasons], "reimbursed": verdict.reimbursed,
            "reimbursement_reasons": [r.value for r in verdict.reimbursement_reasons]}


@bp.get("/units/<serial>/entitlements")
@token_required()
def get_entitlements(serial):
    """The unit's entitlements (replacement part, exchange, refund), open ones first."""
    unit = _visible_unit(serial)
    return jsonify([entitlement_json(flag) for flag in flags_of_unit(unit.id)])


def entitlement_json(flag) -> dict:
    return {"id": flag.id, "kind": flag.kind.value, "rule": flag.rule.value if flag.rule else None,
            "reason": flag.detail, "fault_code": flag.fault_code.code if flag.fault_code else None,
            "raised_on": flag.raised_on.isoformat(), "status": flag.status.value,
            "claim": flag.claim.number,
            "part_no": flag.part.part_number if flag.part else None,
            "resolution": flag.resolution or None}


@bp.get("/me")
@token_required()
def me():
    """Who this token belongs to."""
    user = g.api_user
    return jsonify(username=user.username, role=user.role.value,
                   dealer=user.dealer.code if user.dealer else None)
