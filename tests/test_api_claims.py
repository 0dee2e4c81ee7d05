"""API v1 claims: file with lines, attach, submit (refused without a signature), read."""

import io
from datetime import timedelta

import pytest
from PIL import Image

from portal.accounts.roles import Role
from portal.core.db import shanghai_today
from tests import factories

TODAY = shanghai_today()


@pytest.fixture
def shop(world, db):
    shop = factories.workshop(world.dealer_a, serial="API-CL-1")
    db.session.commit()
    return shop


def body(shop, **values):
    failure = TODAY - timedelta(days=5)
    return {"serial": "API-CL-1", "failure_date": failure.isoformat(),
            "handed_in_on": failure.isoformat(),
            "completed_on": (failure + timedelta(days=1)).isoformat(), "hour_meter": 812.5,
            "fault_code": shop.fault.code, "description": "漏油",
            "lines": [{"type": "part", "part_no": shop.main_part.part_number, "qty": 1},
                      {"type": "labour", "fault_code": shop.fault.code, "hours": 2.5},
                      {"type": "travel", "km": 25},
                      {"type": "other", "amount": "12.30", "reason": "密封胶"}], **values}


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 10, 10)).save(buffer, "PNG")
    return buffer.getvalue()


def test_file_attach_submit_and_read(api, shop):
    created = api("POST", "/claims", Role.DEALER_STAFF, json=body(shop))
    assert created.status_code == 201, created.json
    claim = created.json
    assert claim["status"] == "draft" and claim["total"] == "1417.30"
    assert [(line["type"], line["covered"], line["amount"]) for line in claim["lines"]] == [
        ("part", True, "1200.00"), ("labour", True, "125.00"), ("travel", True, "80.00"),
        ("other", True, "12.30")]
    signature = next(c for c in claim["checks"] if c["code"] == "signature")
    assert signature["level"] == "blocking" and "signed" in signature["message"]

    refused = api("POST", f"/claims/{claim['id']}/submit", Role.DEALER_STAFF)
    assert refused.status_code == 422
    assert [c["code"] for c in refused.json["checks"]] == ["signature"]

    bad = api("POST", f"/claims/{claim['id']}/attachments", Role.DEALER_STAFF,
              data={"kind": "photo", "file": (io.BytesIO(b"GIF89a...."), "x.png")})
    assert bad.status_code == 422 and bad.json["field"] == "file"
    for kind in ("photo", "signature"):
        attached = api("POST", f"/claims/{claim['id']}/attachments", Role.DEALER_STAFF,
                       data={"kind": kind, "file": (io.BytesIO(png()), f"{kind}.png")})
        assert attached.status_code == 201, attached.json

    submitted = api("POST", f"/claims/{claim['id']}/submit", Role.DEALER_STAFF)
    assert submitted.status_code == 200 and submitted.json["status"] == "submitted"
    read = api("GET", f"/claims/{claim['id']}", Role.TECHNICAL).json
    assert read["status"] == "submitted" and len(read["attachments"]) == 2
    assert [e["action"] for e in read["timeline"]][:2] == ["create", "add_line"]
    assert read["timeline"][-1]["action"] == "submit"
    assert all(line["decision"] == "pending" for line in read["lines"])


def test_scoping_roles_and_bad_input(api, shop):
    assert api("POST", "/claims", "dealer_b", json=body(shop)).status_code == 404
    assert api("POST", "/claims", Role.CLERK, json=body(shop)).status_code == 403
    created = api("POST", "/claims", Role.DEALER_ADMIN, json=body(shop)).json
    assert api("GET", f"/claims/{created['id']}", "dealer_b").status_code == 404
    assert api("POST", f"/claims/{created['id']}/submit", "dealer_b").status_code == 404
    assert api("GET", f"/claims/{created['id']}", Role.SALES_REP).status_code == 200

    over = body(shop, lines=[{"type": "labour", "fault_code": shop.fault.code, "hours": 3}])
    refused = api("POST", "/claims", Role.DEALER_STAFF, json=over)
    assert refused.status_code == 422 and refused.json["field"] == "lines[0].reason"
    wrong = body(shop, lines=[{"type": "part", "part_no": shop.other_model_part.part_number,
                               "qty": 1}])
    refused = api("POST", "/claims", Role.DEALER_STAFF, json=wrong)
    assert refused.status_code == 422 and refused.json["field"] == "lines[0].part_no"
    for broken, field in [({"hour_meter": "lots"}, "hour_meter"),
                          ({"failure_date": "2026-02-30"}, "failure_date"),
                          ({"lines": [{"type": "gift"}]}, "lines[0].type"),
                          ({"lines": [{"type": "other", "amount": 5, "reason": "x"}]}, "amount")]:
        answer = api("POST", "/claims", Role.DEALER_STAFF, json=body(shop, **broken))
        assert answer.status_code == 400 and answer.json["field"] == field, answer.json
    future = body(shop, completed_on=(TODAY + timedelta(days=1)).isoformat())
    answer = api("POST", "/claims", Role.DEALER_STAFF, json=future)
    assert answer.status_code == 422 and answer.json["field"] == "completed_on"
