"""The v1 old-part return resources: the parts owed, and the shipments that carry them back."""

from flask import g, jsonify, request, url_for
from sqlalchemy.orm import selectinload

from portal.api.views import (
    ApiError,
    bp,
    iso_date,
    json_body,
    rule_broken,
    text,
    token_required,
    whole_number,
)
from portal.core.converters import ID_MAX
from portal.core.db import shanghai_today
from portal.core.errors import DomainError
from portal.core.pagination import keyset_page
from portal.extensions import db
from portal.returns.access import can_ship_parts
from portal.returns.models import OwedPart, OwedStatus, ReturnShipment, ShipmentLine, ShipMethod
from portal.returns.scope import owed_loading, visible_owed_parts, visible_shipments
from portal.returns.shipments import MAX_PARTS, create_shipment

OWED_PAGE = 200


def owed_json(owed: OwedPart) -> dict:
    return {"id": owed.id, "claim": owed.claim.number, "line": owed.line.position,
            "part_no": owed.part.part_number, "serial": owed.unit.serial,
            "due_on": owed.due_on.isoformat(), "status": owed.status.value}


def shipment_json(shipment: ReturnShipment) -> dict:
    return {"id": shipment.id, "number": shipment.number, "status": shipment.status.value,
            "dealer": shipment.dealer.code, "method": shipment.method.value,
            "waybill": shipment.waybill, "shipped_on": shipment.shipped_on.isoformat(),
            "lines": [{"id": line.id, "owed_part": line.owed_part_id,
                       "part_no": line.owed_part.part.part_number,
                       "claim": line.owed_part.claim.number,
                       "line": line.owed_part.line.position, "receipt": line.receipt.value}
                      for line in shipment.lines]}


@bp.get("/owed-parts")
@token_required()
def owed_parts():
    """The old parts owed that the caller may see, due date first; ?status= narrows them."""
    stmt = visible_owed_parts(g.api_user).options(*owed_loading())
    status = request.args.get("status")
    if status is not None:
        if status not in OwedStatus.__members__.values():
            raise ApiError(400, "bad_request",
                           f"status: one of {', '.join(s.value for s in OwedStatus)}", "status")
        stmt = stmt.where(OwedPart.status == status)
    page = keyset_page(stmt, OwedPart.due_on, OwedPart.id, request.args.get("after"),
                       OWED_PAGE)
    headers = {}
    if page.next_cursor:
        following = url_for("api.owed_parts", after=page.next_cursor,
                            **({"status": status} if status else {}))
        headers["Link"] = f'<{following}>; rel="next"'
    return jsonify([owed_json(o) for o in page.items]), 200, headers


def _owed_ids(data: dict) -> list[int]:
    given = data.get("owed_parts")
    ids = [whole_number(i) for i in given] if isinstance(given, list) else []
    if not 1 <= len(ids) <= MAX_PARTS or not all(i is not None and 0 < i <= ID_MAX
                                                 for i in ids):
        raise ApiError(400, "bad_request",
                       f"owed_parts: a list of 1 to {MAX_PARTS} owed part ids", "owed_parts")
    return ids


@bp.post("/return-shipments")
@token_required(can_ship_parts)
def post_return_shipment():
    """Ship owed parts back: 201 with the shipment and its lines."""
    data = json_body()
    ids = _owed_ids(data)
    method = data.get("method")
    if method not in ShipMethod.__members__.values():
        raise ApiError(400, "bad_request", "method: truck, courier or in_person", "method")
    waybill = text(data, "waybill", 60, required=False)
    shipped_on = iso_date(data, "shipped_on")
    visible = set(db.session.scalars(visible_owed_parts(g.api_user)
                                     .where(OwedPart.id.in_(ids))
                                     .with_only_columns(OwedPart.id)))
    if missing := [i for i in ids if i not in visible]:
        raise ApiError(404, "not_found", f"No such owed part: {missing[0]}.", "owed_parts")
    try:
        shipment = create_shipment(g.api_user.dealer, ids, method=method, waybill=waybill,
                                   shipped_on=shipped_on, actor=g.api_user,
                                   today=shanghai_today())
    except DomainError as error:
        raise rule_broken(error) from None
    db.session.commit()
    return jsonify(shipment_json(_visible_shipment(shipment.id))), 201, {
        "Location": url_for("api.get_return_shipment", shipment_id=shipment.id)}


def _visible_shipment(shipment_id: int) -> ReturnShipment:
    shipment = db.session.scalar(
        visible_shipments(g.api_user).where(ReturnShipment.id == shipment_id)
        .options(selectinload(ReturnShipment.dealer),
                 selectinload(ReturnShipment.lines).selectinload(ShipmentLine.owed_part)
                 .options(*owed_loading())))
    if shipment is None:
        raise ApiError(404, "not_found", "No such shipment.")
    return shipment


@bp.get("/return-shipments/<id:shipment_id>")
@token_required()
def get_return_shipment(shipment_id):
    """A return shipment with each line's receipt state."""
    return jsonify(shipment_json(_visible_shipment(shipment_id)))

