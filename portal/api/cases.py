"""The v1 exchange and refund case resources (包换 / 包退): open, read, decide, complete, and the
failed machine back at the factory (received by the clerk, judged by the technical department)."""

import sqlalchemy as sa
from flask import g, jsonify, url_for

from portal.api.views import (
    ApiError,
    boolean,
    bp,
    integer,
    iso_date,
    json_body,
    money,
    rule_broken,
    sent_version,
    text,
    token_required,
)
from portal.cases import machine, rules, services
from portal.cases.access import can_decide_cases, can_open_cases, can_receive_machines
from portal.cases.finance import settle_case
from portal.cases.models import CaseKind, CaseStatus, SanbaoCase
from portal.cases.scope import visible_cases
from portal.cases.settlement import settlement_of
from portal.catalog.models import Part
from portal.claims.models import UnitFlag
from portal.core.db import shanghai_today
from portal.core.errors import DomainError
from portal.extensions import db
from portal.finance.access import can_settle_cases
from portal.units.models import Unit
from portal.units.scope import visible_units


def _day(value):
    return value.isoformat() if value is not None else None


def _money(value):
    return str(value) if value is not None else None


def _due(case: SanbaoCase):
    if case.kind != CaseKind.REFUND or case.invoice_amount is None:
        return None
    due = rules.refund_due(case.invoice_amount)
    return {"invoice_amount": str(due.invoice_amount), "charges": str(due.charges),
            "due": str(due.due)}


def case_json(case: SanbaoCase) -> dict:
    return {
        "id": case.id, "number": case.number, "kind": case.kind.value,
        "status": case.status.value, "origin": case.origin.value, "version": case.version,
        "serial": case.unit.serial, "model": case.unit.model.code, "dealer": case.dealer.code,
        "buyer": {"name": case.buyer_name, "phone": case.buyer_phone},
        "entitlement": case.flag_id, "failed_on": _day(case.failed_on), "reason": case.reason,
        "requested_at": case.requested_at.isoformat(),
        "decided_at": case.decided_at.isoformat() if case.decided_at else None,
        "decision_reason": case.decision_reason, "completed_on": _day(case.completed_on),
        "replacement_serial": case.replacement.serial if case.replacement else None,
        "invoice_amount": _money(case.invoice_amount), "refund_due": _due(case),
        "refund_amount": _money(case.refund_amount), "buyer_receipt": case.buyer_receipt,
        "machine": {"received_on": _day(case.machine_received_on),
                    "verdict": case.machine_verdict.value if case.machine_verdict else None,
                    "cause": case.machine_cause,
                    "part": case.machine_part.part_number if case.machine_part else None},
        "other_model_agreed": case.other_model_agreed,
        "buyer_difference": _money(case.buyer_difference),
        "settlement": _settlement(case), "finance_settlement": settlement_json(case),
    }


def _settlement(case: SanbaoCase) -> dict | None:
    """The maker's settlement with the dealer, line by line, once the case is completed."""
    if case.status != CaseStatus.COMPLETED:
        return None
    settled = settlement_of(case)
    return {"amount": str(settled.amount), "problem": settled.problem, "lines": [
        {"key": line.key, "label": line.label, "arithmetic": line.arithmetic,
         "amount": str(line.amount)} for line in settled.lines]}


def _visible_case(case_id: int) -> SanbaoCase:
    case = db.session.scalar(visible_cases(g.api_user).where(SanbaoCase.id == case_id))
    if case is None:
        raise ApiError(404, "not_found", "No such case.")
    return case


def _unit(serial: str) -> Unit:
    unit = db.session.scalar(visible_units(g.api_user).where(Unit.serial == serial))
    if unit is None:
        raise ApiError(404, "not_found", "No such unit.", "serial")
    return unit


def _flag(unit: Unit, flag_id: int | None):
    if flag_id is None:
        return None
    flag = db.session.get(UnitFlag, flag_id)
    if flag is None or flag.unit_id != unit.id:
        raise ApiError(404, "not_found", "No such entitlement on this unit.", "entitlement")
    return flag


def _kind(data: dict) -> str:
    kind = data.get("kind")
    if kind not in CaseKind.__members__.values():
        raise ApiError(400, "bad_request", "kind: exchange or refund", "kind")
    return kind


def _optional_money(data: dict, field: str):
    return money(data, field) if data.get(field) is not None else None


def _other_model(data: dict) -> tuple[bool, str | None]:
    """The buyer's agreement to another model (false when left out) and his signed price
    difference, a decimal string ("-1500.00": the dealer paid him back)."""
    agreed = boolean(data, "other_model_agreed") if "other_model_agreed" in data else False
    difference = data.get("buyer_difference")
    if difference is not None and not isinstance(difference, str):
        raise ApiError(400, "bad_request", 'buyer_difference: a signed decimal string, e.g. '
                       '"-1500.00"', "buyer_difference")
    return agreed, difference


def _done(action):
    """Run a service call as the request's transaction; a refused rule answers 422."""
    try:
        result = action()
    except DomainError as error:
        raise rule_broken(error) from None
    db.session.commit()
    return result


@bp.post("/sanbao-cases")
@token_required(can_open_cases)
def post_case():
    """Open an exchange or refund case for a unit's buyer: 201 with the case."""
    data = json_body()
    unit = _unit(text(data, "serial", 40))
    kind, reason = _kind(data), text(data, "reason", 2000)
    flag = _flag(unit, integer(data, "entitlement", 1, 2**31 - 1, nullable=True))
    origin = text(data, "origin", 20, required=False) or None
    failed_on = iso_date(data, "failed_on", required=False)
    invoice = _optional_money(data, "invoice_amount")
    case = _done(lambda: services.open_case(
        unit, kind, reason, actor=g.api_user, today=shanghai_today(), flag=flag, origin=origin,
        failed_on=failed_on, invoice_amount=invoice))
    return jsonify(case_json(_visible_case(case.id))), 201, {
        "Location": url_for("api.get_case", case_id=case.id)}


@bp.get("/sanbao-cases/<id:case_id>")
@token_required()
def get_case(case_id):
    """An exchange or refund case, with the refund's arithmetic and finance's settlement."""
    case = _visible_case(case_id)
    return jsonify(case_json(case))


@bp.post("/sanbao-cases/<id:case_id>/decide")
@token_required(can_decide_cases)
def decide_case(case_id):
    """The technical department approves or refuses a case, with the reason."""
    case = _visible_case(case_id)
    data = json_body()
    approve, reason = boolean(data, "approve"), text(data, "reason", 2000)
    _done(lambda: services.decide_case(case, approve, reason, actor=g.api_user,
                                       version=sent_version()))
    return jsonify(case_json(case))


@bp.post("/sanbao-cases/<id:case_id>/complete")
@token_required(can_open_cases)
def complete_case(case_id):
    """Record the exchange (the replacement's serial) or the refund (the amount) done."""
    case = _visible_case(case_id)
    data = json_body()
    completed_on = iso_date(data, "completed_on")
    serial = text(data, "replacement_serial", 40, required=False)
    refund = _optional_money(data, "refund_amount")
    receipt = text(data, "buyer_receipt", 100, required=False)
    agreed, difference = _other_model(data)
    _done(lambda: services.complete_case(
        case, completed_on, actor=g.api_user, version=sent_version(), today=shanghai_today(),
        replacement_serial=serial, refund_amount=refund, buyer_receipt=receipt,
        other_model_agreed=agreed, buyer_difference=difference))
    return jsonify(case_json(case))


@bp.post("/sanbao-cases/<id:case_id>/machine-received")
@token_required(can_receive_machines)
def receive_case_machine(case_id):
    """The clerk records the failed machine of a completed case arriving at the factory."""
    case = _visible_case(case_id)
    data = json_body()
    received_on = iso_date(data, "received_on")
    note = text(data, "note", 2000, required=False)
    _done(lambda: machine.receive_machine(case, received_on, note, actor=g.api_user,
                                          version=sent_version(), today=shanghai_today()))
    return jsonify(case_json(case))


@bp.post("/sanbao-cases/<id:case_id>/machine-verdict")
@token_required(can_decide_cases)
def judge_case_machine(case_id):
    """The technical department's verdict on the received machine, and the cause."""
    case = _visible_case(case_id)
    data = json_body()
    verdict, cause = text(data, "verdict", 20), text(data, "cause", 2000)
    part_id = _part_id(text(data, "part", 40, required=False))
    try:
        machine.judge_machine(case, verdict, cause, actor=g.api_user, version=sent_version(),
                              part_id=part_id)
    except DomainError as error:
        error.field = "part" if error.field == "part_id" else error.field
        raise rule_broken(error) from None
    db.session.commit()
    return jsonify(case_json(case))


def _part_id(number: str) -> int | None:
    """The id of the part a verdict names by its number (none named: None)."""
    if not number:
        return None
    part_id = db.session.scalar(sa.select(Part.id).where(Part.part_number == number))
    if part_id is None:
        raise ApiError(422, "rule_violated", "No part has this number.", "part")
    return part_id


def settlement_json(case: SanbaoCase) -> dict | None:
    """Finance's decision on the case's settlement, with the figures as approved."""
    s = case.settlement
    if s is None:
        return None
    return {"status": s.status.value, "amount": str(s.amount), "lines": s.lines,
            "months_in_use": s.months_in_use, "rate": _money(s.rate), "reason": s.reason,
            "decided_at": s.decided_at.isoformat(), "settled_on": s.settled_on.isoformat(),
            "notice": s.notice.number if s.notice else None}


@bp.post("/sanbao-cases/<id:case_id>/settle")
@token_required(can_settle_cases)
def settle_case_money(case_id):
    """Finance approves the case's settlement as worked out, or refuses it with the reason."""
    case = _visible_case(case_id)
    data = json_body()
    approve = boolean(data, "approve")
    reason = text(data, "reason", 2000, required=False)
    _done(lambda: settle_case(case, approve, reason, actor=g.api_user,
                              version=sent_version()))
    return jsonify(case_json(case))
