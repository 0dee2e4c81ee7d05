"""API v1 old-part returns: owed parts by scope, shipping them, reading a shipment back."""

from datetime import timedelta
from functools import partial

import pytest
import sqlalchemy as sa

from portal.accounts.roles import Role
from portal.core.db import shanghai_today
from portal.extensions import db
from portal.returns.models import OwedStatus, Receipt, ReturnShipment
from tests.builders import claim_owing_parts
from tests.builders import owed_parts_of as owed_of

TODAY = shanghai_today()
submitted_claim = partial(claim_owing_parts, today=TODAY)


@pytest.fixture
def owed(world, db):
    parts = owed_of(submitted_claim(world.dealer_a, world.users[Role.DEALER_STAFF]))
    db.session.commit()
    return parts


@pytest.fixture
def owed_b(world, db):
    parts = owed_of(submitted_claim(world.dealer_b, world.dealer_b_admin, extra_parts=()))
    db.session.commit()
    return parts


def body(parts, **values):
    return {"owed_parts": [p.id for p in parts], "method": "courier", "waybill": "SF-1",
            "shipped_on": TODAY.isoformat(), **values}


def test_owed_parts_by_scope(api, world, owed, owed_b):
    mine = api("GET", "/owed-parts", Role.DEALER_STAFF)
    assert mine.status_code == 200
    assert [p["id"] for p in mine.json] == [o.id for o in owed]
    first = mine.json[0]
    assert first == {"id": owed[0].id, "claim": owed[0].claim.number, "line": 1,
                     "part_no": owed[0].part.part_number, "serial": owed[0].unit.serial,
                     "due_on": owed[0].due_on.isoformat(), "status": "owed"}
    assert [p["id"] for p in api("GET", "/owed-parts", "dealer_b").json] == [owed_b[0].id]
    assert {p["id"] for p in api("GET", "/owed-parts", Role.SALES_REP).json} == {
        o.id for o in owed}
    assert len(api("GET", "/owed-parts", Role.CLERK).json) == 4
    assert api("GET", "/owed-parts?status=shipped", Role.CLERK).json == []
    bad = api("GET", "/owed-parts?status=lost", Role.CLERK)
    assert bad.status_code == 400 and bad.json["field"] == "status"
    assert api("GET", "/owed-parts", role=None).status_code == 401


def test_ship_and_read_back(api, world, owed):
    created = api("POST", "/return-shipments", Role.DEALER_STAFF, json=body(owed[:2]))
    assert created.status_code == 201, created.json
    shipment = created.json
    assert shipment["status"] == "shipped" and shipment["number"].startswith(f"HY{TODAY.year}")
    assert [(line["owed_part"], line["claim"], line["line"], line["receipt"])
            for line in shipment["lines"]] == [
        (o.id, o.claim.number, o.line.position, "pending") for o in owed[:2]]
    assert created.headers["Location"].endswith(f"/return-shipments/{shipment['id']}")
    assert [o.status for o in owed] == [OwedStatus.SHIPPED, OwedStatus.SHIPPED, OwedStatus.OWED]
    got = api("GET", f"/return-shipments/{shipment['id']}", Role.CLERK)
    assert got.status_code == 200 and got.json == shipment
    assert api("GET", f"/return-shipments/{shipment['id']}", Role.SALES_REP).status_code == 200
    again = api("POST", "/return-shipments", Role.DEALER_ADMIN, json=body(owed[1:]))
    assert again.status_code == 422 and again.json["field"] == "owed_parts"


def test_a_missing_line_shows_in_the_shipment(api, world, owed):
    shipment_id = api("POST", "/return-shipments", Role.DEALER_STAFF, json=body(owed)).json["id"]
    db.session.get(ReturnShipment, shipment_id).lines[0].receipt = Receipt.MISSING
    db.session.commit()
    lines = api("GET", f"/return-shipments/{shipment_id}", Role.DEALER_STAFF).json["lines"]
    assert [line["receipt"] for line in lines] == ["missing", "pending", "pending"]


@pytest.mark.parametrize("values, field", [
    ({"owed_parts": []}, "owed_parts"),
    ({"owed_parts": "1"}, "owed_parts"),
    ({"owed_parts": [True]}, "owed_parts"),
    ({"method": "plane"}, "method"),
    ({"shipped_on": "tomorrow"}, "shipped_on"),
    ({"waybill": 5}, "waybill"),
])
def test_malformed_shipments_are_400(api, owed, values, field):
    response = api("POST", "/return-shipments", Role.DEALER_STAFF, json=body(owed, **values))
    assert response.status_code == 400 and response.json["field"] == field
    assert api("POST", "/return-shipments", Role.DEALER_STAFF, data="[]",
               content_type="application/json").status_code == 400


@pytest.mark.parametrize("values, field", [
    ({"method": "courier", "waybill": ""}, "waybill"),
    ({"shipped_on": (TODAY + timedelta(days=1)).isoformat()}, "shipped_on"),
    ({"shipped_on": (TODAY - timedelta(days=31)).isoformat()}, "shipped_on"),
])
def test_rule_breaking_shipments_are_422(api, owed, values, field):
    response = api("POST", "/return-shipments", Role.DEALER_STAFF, json=body(owed, **values))
    assert response.status_code == 422 and response.json["field"] == field
    assert {o.status for o in owed} == {OwedStatus.OWED}


def test_scope_and_roles(api, world, owed, owed_b):
    assert api("POST", "/return-shipments", Role.CLERK, json=body(owed)).status_code == 403
    foreign = api("POST", "/return-shipments", "dealer_b", json=body(owed_b + owed[:1]))
    assert foreign.status_code == 404 and foreign.json["field"] == "owed_parts"
    assert api("POST", "/return-shipments", "dealer_b",
               json=body([owed[0]])).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(ReturnShipment.id))) == 0
    shipment_id = api("POST", "/return-shipments", Role.DEALER_STAFF, json=body(owed)).json["id"]
    assert api("GET", f"/return-shipments/{shipment_id}", "dealer_b").status_code == 404
    b_shipment = api("POST", "/return-shipments", "dealer_b", json=body(owed_b)).json["id"]
    assert api("GET", f"/return-shipments/{b_shipment}", Role.SALES_REP).status_code == 404
    assert api("GET", f"/return-shipments/{b_shipment}", Role.DEALER_STAFF).status_code == 404
    assert api("GET", "/return-shipments/999999", Role.ADMIN).status_code == 404
