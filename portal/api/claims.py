"""The v1 claim resources: file a repair record with its lines, attach files, submit, read."""

from decimal import Decimal

import sqlalchemy as sa
from flask import g, jsonify, request, url_for

from portal.api.views import (
    ApiError,
    bp,
    code,
    integer,
    iso_date,
    json_body,
    money,
    rule_broken,
    sent_version,
    text,
    token_required,
)
from portal.catalog.models import FaultCode, Part
from portal.claims import services
from portal.claims.access import can_file_claims
from portal.claims.checks import run_checks
from portal.claims.models import AttachmentKind, Claim, LineKind
from portal.claims.scope import visible_claims
from portal.claims.views import PHOTO_TYPES
from portal.core import audit
from portal.core.db import shanghai_today
from portal.core.decimals import finite_decimal
from portal.core.errors import DomainError
from portal.core.uploads import DOCUMENT_TYPES, staged, store
from portal.extensions import db
from portal.units.models import Unit
from portal.units.scope import visible_units
from portal.workflow import claims as workflow

dealer_only = token_required(can_file_claims)
# Where a service's field names differ from the API's.
LINE_FIELDS = {"part_id": "part_no", "quantity": "qty", "fault_code": "fault_code",
               "hours": "hours", "km": "km", "amount": "amount", "reason": "reason"}


def _decimal(data: dict, field: str, places: str, low: Decimal, high: Decimal,
             required: bool = True) -> Decimal | None:
    value = data.get(field)
    if value is None and not required:
        return None
    number = finite_decimal(value)
    if number is None or not low <= number <= high or (
            number.as_tuple().exponent < Decimal(places).as_tuple().exponent):
        raise ApiError(400, "bad_request",
                       f"{field}: a number from {low} to {high} with at most "
                       f"{-Decimal(places).as_tuple().exponent} decimal places", field)
    return number


def _fault(value, field: str) -> FaultCode:
    fault = db.session.scalar(sa.select(FaultCode).where(FaultCode.code == value))
    if fault is None:
        raise ApiError(422, "rule_violated", "No such fault code.", field)
    return fault


def _line_values(line: dict, n: int) -> tuple[LineKind, dict]:
    where = f"lines[{n}]"
    if not isinstance(line, dict):
        raise ApiError(400, "bad_request", f"{where}: an object is required", where)
    kind = line.get("type")
    if kind == "part":
        part_no = code(text(line, "part_no", 40), f"{where}.part_no")
        part = db.session.scalar(sa.select(Part).where(Part.part_number == part_no))
        if part is None:
            raise ApiError(422, "rule_violated", "No such part.", f"{where}.part_no")
        return LineKind.PART, {"part_id": part.id,
                               "quantity": integer(line, "qty", 1, 99)}
    if kind == "labour":
        fault = _fault(text(line, "fault_code", 20), f"{where}.fault_code")
        return LineKind.LABOUR, {
            "fault_code_id": fault.id, "reason": text(line, "reason", 500, required=False),
            "hours": _decimal(line, "hours", "0.01", Decimal("0.01"), Decimal(999), False)}
    if kind == "travel":
        return LineKind.TRAVEL, {"km": integer(line, "km", 0, 5000)}
    if kind == "other":
        return LineKind.OTHER, {"amount": money(line, "amount"),
                                "reason": text(line, "reason", 500)}
    raise ApiError(400, "bad_request", f"{where}.type: one of part, labour, travel, other",
                   f"{where}.type")


def _visible_claim(claim_id: int) -> Claim:
    claim = db.session.scalar(visible_claims(g.api_user).where(Claim.id == claim_id))
    if claim is None:
        raise ApiError(404, "not_found", "No such claim.")
    return claim


@bp.post("/claims")
@dealer_only
def post_claim():
    """Open a draft repair record with its lines; answer with coverage, checks and total."""
    data = json_body()
    serial = text(data, "serial", 40).upper()
    unit = db.session.scalar(visible_units(g.api_user).where(Unit.serial == serial))
    if unit is None:
        raise ApiError(404, "not_found", "No such unit.")
    fault_code = data.get("fault_code")
    values = {
        "failure_date": iso_date(data, "failure_date"),
        "handed_in_on": iso_date(data, "handed_in_on", required=False),
        "completed_on": iso_date(data, "completed_on", required=False),
        "parts_waited_from": iso_date(data, "parts_waited_from", required=False),
        "parts_waited_to": iso_date(data, "parts_waited_to", required=False),
        "hour_meter": _decimal(data, "hour_meter", "0.1", Decimal(0), Decimal("99999.9")),
        "fault_code_id": _fault(text(data, "fault_code", 20), "fault_code").id
        if fault_code is not None else None,
        "description": text(data, "description", 2000),
    }
    lines = data.get("lines", [])
    if not isinstance(lines, list) or len(lines) > 50:
        raise ApiError(400, "bad_request", "lines: a list of at most 50 lines", "lines")
    parsed = [_line_values(line, n) for n, line in enumerate(lines)]
    try:
        claim = services.create_claim(unit, values, actor=g.api_user, today=shanghai_today())
        for n, (kind, line_values) in enumerate(parsed):
            try:
                services.add_line(claim, kind, line_values, actor=g.api_user)
            except DomainError as error:
                field = LINE_FIELDS.get(error.field or "", error.field)
                raise DomainError(error.message,
                                  field=f"lines[{n}].{field}" if field else f"lines[{n}]"
                                  ) from None
    except DomainError as error:
        raise rule_broken(error) from None
    db.session.commit()
    return jsonify(claim_json(claim)), 201, {
        "Location": url_for("api.get_claim", claim_id=claim.id)}


def iso_or_none(day):
    return day.isoformat() if day else None


def claim_json(claim: Claim, *, full: bool = False) -> dict:
    checks = (run_checks(claim, shanghai_today()) if claim.status == "draft" else None)
    body = {
        "id": claim.id, "number": claim.number, "version": claim.version,
        "status": claim.status.value, "serial": claim.unit.serial,
        "lines": [line_json(line, full) for line in claim.lines],
        "checks": [c.as_dict() for c in checks] if checks is not None else claim.checks,
        "total": str(claim.total_claimed),
    }
    if full:
        body.update(
            failure_date=claim.failure_date.isoformat(),
            handed_in_on=claim.handed_in_on.isoformat() if claim.handed_in_on else None,
            completed_on=claim.completed_on.isoformat() if claim.completed_on else None,
            parts_waited_from=iso_or_none(claim.parts_waited_from),
            parts_waited_to=iso_or_none(claim.parts_waited_to),
            hour_meter=str(claim.hour_meter) if claim.hour_meter is not None else None,
            fault_code=claim.fault_code.code if claim.fault_code else None,
            description=claim.description,
            total_approved=str(claim.total_approved)
            if claim.total_approved is not None else None,
            decided_by_rules=claim.decided_by_rules,
            filed_by_head_office=claim.filed_by_head_office,
            attachments=[{"id": a.id, "kind": a.kind.value, "name": a.name,
                          "content_type": a.content_type} for a in claim.attachments],
            timeline=[{"at": e.at.isoformat(), "by": e.actor_name if e.actor_id else "system",
                       "action": e.action, "from": e.from_state, "to": e.to_state,
                       "reason": e.reason} for e in reversed(audit.history(claim, limit=200))])
    return body


def line_json(line, full: bool) -> dict:
    body = {"id": line.id, "type": line.kind.value, "covered": line.covered,
            "reimbursed": line.reimbursed, "amount": str(line.amount)}
    if full:
        body.update(
            paid_service=line.paid_service, not_covered=line.not_covered,
            not_reimbursed=line.not_reimbursed,
            part_no=line.part.part_number if line.part else None, qty=line.quantity,
            fault_code=line.fault_code.code if line.fault_code else None,
            hours=str(line.hours) if line.hours is not None else None,
            km=line.km, reason=line.reason, decision=line.decision.value,
            approved_amount=str(line.approved_amount)
            if line.approved_amount is not None else None,
            reject_code=line.reject_code.value if line.reject_code else None,
            decision_note=line.decision_note)
    return body


@bp.post("/claims/<id:claim_id>/attachments")
@dealer_only
def post_attachment(claim_id):
    """Attach a photo (JPEG/PNG) or the signed paper record (JPEG/PNG/PDF) to a draft."""
    claim = _visible_claim(claim_id)
    kind = request.form.get("kind", "")
    if kind not in ("photo", "signature"):
        raise ApiError(400, "bad_request", "kind: photo or signature", "kind")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(400, "bad_request", "file: a file is required", "file")
    photo = kind == "photo"
    with staged() as files:  # the file goes again unless its record is committed
        try:
            services.check_editable(claim, g.api_user)
            kept = store(upload, folder=f"claims/{claim.id}",
                         allowed=PHOTO_TYPES if photo else DOCUMENT_TYPES, field="file")
            attachment = services.attach(claim, AttachmentKind(kind), kept, actor=g.api_user,
                                         size=kept.size)
        except DomainError as error:
            raise rule_broken(error) from None
        db.session.commit()
        files.committed = True
    return jsonify({"id": attachment.id, "kind": kind, "name": attachment.name,
                    "content_type": attachment.content_type}), 201


@bp.post("/claims/<id:claim_id>/submit")
@dealer_only
def submit_claim(claim_id):
    """Submit a draft: 200 with the new status, or 422 listing the blocking checks."""
    claim = _visible_claim(claim_id)
    try:
        workflow.submit(claim, actor=g.api_user, today=shanghai_today(),
                        version=sent_version())
    except services.ChecksFailed as failed:
        db.session.rollback()
        return jsonify({"error": "checks_failed", "message": str(failed.message),
                        "checks": [c.as_dict() for c in failed.checks]}), 422
    except DomainError as error:
        raise rule_broken(error) from None
    db.session.commit()
    return jsonify({"id": claim.id, "status": claim.status.value,
                    "decided_by_rules": claim.decided_by_rules})


@bp.get("/claims/<id:claim_id>")
@token_required()
def get_claim(claim_id):
    """A claim: status, lines with decisions, checks and timeline."""
    return jsonify(claim_json(_visible_claim(claim_id), full=True))
