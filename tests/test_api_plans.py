"""API v1 stocking plans: the suggestion by scope, submitting a plan in one call, reading it."""

from datetime import timedelta

import pytest

from portal.accounts.roles import Role
from portal.core.db import shanghai_today
from portal.extensions import db

TODAY = shanghai_today()


@pytest.fixture
def season(setup):
    setup.season.start_on = TODAY + timedelta(days=40)
    setup.season.end_on = TODAY + timedelta(days=130)
    db.session.commit()
    return setup.season


def test_suggestion_by_scope(api, world, season):
    mine = api("GET", f"/stocking-plans/{season.id}/suggestion", Role.DEALER_STAFF)
    assert mine.status_code == 200, mine.json
    body = mine.json
    assert body["dealer"] == "DA-01" and body["working_units"] == 10
    assert body["due_on"] == (TODAY + timedelta(days=10)).isoformat()
    assert body["units_basis"]["in_stock"] == 10
    assert [(line["part_number"], line["section"], line["suggested_qty"])
            for line in body["lines"]] == [("PLAN-M1", "warranty", 2), ("PLAN-W1", "wear", 5)]
    assert body["lines"][1]["basis"]["history"] == "thin"
    assert api("GET", f"/stocking-plans/{season.id}/suggestion", "dealer_b").json[
        "working_units"] == 4
    clerk = api("GET", f"/stocking-plans/{season.id}/suggestion?dealer=DB-01", Role.CLERK)
    assert clerk.status_code == 200 and clerk.json["dealer"] == "DB-01"
    assert api("GET", f"/stocking-plans/{season.id}/suggestion", Role.CLERK).status_code == 400
    assert api("GET", f"/stocking-plans/{season.id}/suggestion?dealer=DB-01",
               Role.SALES_REP).status_code == 404  # not the rep's dealer
    assert api("GET", f"/stocking-plans/{season.id + 999}/suggestion",
               Role.DEALER_STAFF).status_code == 404
    assert api("GET", f"/stocking-plans/{season.id}/suggestion", role=None).status_code == 401


def test_submit_read_back_and_conflict(api, world, season):
    path = f"/stocking-plans/{season.id}"
    assert api("GET", path, Role.DEALER_STAFF).status_code == 404
    bad = api("POST", path, Role.DEALER_STAFF,
              json={"lines": [{"part_number": "PLAN-W1", "quantity": 10000}]})
    assert bad.status_code == 422 and bad.json["field"] == "lines[0].quantity"
    unknown = api("POST", path, Role.DEALER_STAFF,
                  json={"lines": [{"part_number": "NOPE", "quantity": 1}]})
    assert unknown.status_code == 422 and unknown.json["field"] == "lines[0].part_number"
    malformed = api("POST", path, Role.DEALER_STAFF, json={"lines": "all"})
    assert malformed.status_code == 400
    assert api("GET", path, Role.DEALER_STAFF).status_code == 404  # nothing was kept
    zero = api("POST", path, Role.DEALER_STAFF, json={"lines": [
        {"part_number": "PLAN-M1", "quantity": 0}, {"part_number": "PLAN-W1", "quantity": 0}]})
    assert zero.status_code == 422 and zero.json["field"] == "note"
    done = api("POST", path, Role.DEALER_STAFF,
               json={"note": "多备易损件", "lines": [{"part_number": "PLAN-W1", "quantity": 9}]})
    assert done.status_code == 200, done.json
    assert done.json["status"] == "submitted" and done.json["late"] is False
    assert [(line["part_number"], line["suggested_qty"], line["quantity"])
            for line in done.json["lines"]] == [("PLAN-M1", 2, 2), ("PLAN-W1", 5, 9)]
    assert done.json["total_amount"] == "312.50"
    read = api("GET", path, Role.DEALER_ADMIN)
    assert read.status_code == 200 and read.json["number"] == done.json["number"]
    assert api("GET", f"{path}?dealer=DA-01", Role.SALES_REP).json["status"] == "submitted"
    assert api("GET", path, "dealer_b").status_code == 404  # B has no plan; A's stays hidden
    again = api("POST", path, Role.DEALER_STAFF, json={"lines": []})
    assert again.status_code == 409
    assert api("POST", path, Role.CLERK, json={"lines": []}).status_code == 403


def test_openapi_lists_the_plan_paths(api):
    spec = api("GET", "/openapi.json", role=None).json
    assert "/stocking-plans/{season_id}/suggestion" in spec["paths"]
    assert {"get", "post"} <= set(spec["paths"]["/stocking-plans/{season_id}"])
    assert "StockingPlan" in spec["components"]["schemas"]
