"""API v1 exchange and refund cases: open, read, decide, complete; the replacement's coverage
from the exchange day; errors by field; scoping."""

from datetime import timedelta

import pytest

from portal.accounts.roles import Role
from portal.claims.models import FlagKind, UnitFlag
from portal.core.db import shanghai_today
from portal.extensions import db
from tests import factories

TODAY = shanghai_today()


@pytest.fixture
def units(world, db):
    """Dealer A's tractor sold a year ago with an open exchange entitlement, an unsold one of
    the same model; dealer B's sold unit."""
    model = factories.make_model()
    failed = factories.make_unit(model=model, dealer=world.dealer_a)
    factories.make_card(failed, sale_date=TODAY - timedelta(days=200), buyer_name="李四")
    spare = factories.make_unit(model=model, dealer=world.dealer_a)
    flag = UnitFlag(unit=failed, kind=FlagKind.EXCHANGE, detail="修理超过三十个工作日",
                    claim=factories.make_claim(failed, status="approved"))
    theirs = factories.make_unit(dealer=world.dealer_b)
    factories.make_card(theirs)
    db.session.add(flag)
    db.session.commit()
    return failed, spare, flag, theirs


def _open(api, serial, flag_id=None, kind="exchange", role=Role.DEALER_STAFF):
    return api("POST", "/sanbao-cases", role, json={
        "serial": serial, "kind": kind, "entitlement": flag_id, "reason": "反复故障"})


def test_an_exchange_through_the_api(api, units):
    failed, spare, flag, _theirs = units
    opened = _open(api, failed.serial, flag.id)
    assert opened.status_code == 201, opened.json
    case = opened.json
    assert case["status"] == "requested" and case["kind"] == "exchange"
    assert case["number"].startswith("HT-") and case["entitlement"] == flag.id
    assert case["buyer"]["name"] == "李四"
    assert opened.headers["Location"].endswith(f"/sanbao-cases/{case['id']}")
    path = f"/sanbao-cases/{case['id']}"
    assert api("POST", f"{path}/decide", Role.DEALER_STAFF,
               json={"approve": True, "reason": "x"}).status_code == 403
    decided = api("POST", f"{path}/decide", Role.TECHNICAL,
                  json={"approve": True, "reason": "维修记录属实"})
    assert decided.status_code == 200 and decided.json["status"] == "approved"
    done = api("POST", f"{path}/complete", Role.CLERK, json={
        "completed_on": TODAY.isoformat(), "replacement_serial": spare.serial})
    assert done.status_code == 200, done.json
    assert done.json["status"] == "completed" and done.json["replacement_serial"] == spare.serial
    coverage = api("GET", f"/units/{spare.serial}/coverage?on="
                   f"{(TODAY + timedelta(days=30)).isoformat()}", Role.DEALER_STAFF).json
    assert coverage["covered"] and coverage["starts_on"] == TODAY.isoformat()
    assert api("GET", path, Role.DEALER_STAFF).json["status"] == "completed"
    assert db.session.get(UnitFlag, flag.id).resolved_at is not None


def test_a_refund_through_the_api_shows_its_arithmetic(api, units):
    failed, _spare, _flag, _theirs = units
    case = api("POST", "/sanbao-cases", Role.CLERK, json={
        "serial": failed.serial, "kind": "refund", "entitlement": None, "reason": "无同型号",
        "invoice_amount": "36500.00"}).json
    assert case["refund_due"] == {"invoice_amount": "36500.00", "charges": "0.00",
                                  "due": "36500.00"}
    path = f"/sanbao-cases/{case['id']}"
    api("POST", f"{path}/decide", Role.TECHNICAL, json={"approve": True, "reason": "同意退货"})
    short = api("POST", f"{path}/complete", Role.DEALER_STAFF, json={
        "completed_on": TODAY.isoformat(), "refund_amount": "30000.00"})
    assert short.status_code == 422 and short.json["field"] == "refund_amount"
    done = api("POST", f"{path}/complete", Role.DEALER_STAFF, json={
        "completed_on": TODAY.isoformat(), "refund_amount": "36500.00"})
    assert done.status_code == 200 and done.json["status"] == "completed"
    assert done.json["refund_amount"] == "36500.00"


def test_errors_name_their_field(api, units):
    failed, _spare, flag, _theirs = units
    bad_kind = _open(api, failed.serial, kind="swap")
    assert bad_kind.status_code == 400 and bad_kind.json["field"] == "kind"
    no_flag = _open(api, failed.serial, flag_id=999999)
    assert no_flag.status_code == 404 and no_flag.json["field"] == "entitlement"
    case = _open(api, failed.serial, flag.id).json
    again = _open(api, failed.serial)
    assert again.status_code == 422 and "already in case" in again.json["message"]
    path = f"/sanbao-cases/{case['id']}"
    early = api("POST", f"{path}/complete", Role.DEALER_STAFF, json={
        "completed_on": TODAY.isoformat(), "replacement_serial": "X"})
    assert early.status_code == 422 and "approved" in early.json["message"]
    api("POST", f"{path}/decide", Role.TECHNICAL, json={"approve": True, "reason": "同意"})
    missing = api("POST", f"{path}/complete", Role.DEALER_STAFF,
                  json={"completed_on": TODAY.isoformat()})
    assert missing.status_code == 422 and missing.json["field"] == "replacement_serial"
    stale = api("POST", f"{path}/complete", Role.DEALER_STAFF, json={
        "completed_on": TODAY.isoformat(), "replacement_serial": "X", "version": 1})
    assert stale.status_code == 409


def test_cases_are_scoped_to_the_dealer(api, units):
    failed, _spare, flag, theirs = units
    mine = _open(api, failed.serial, flag.id).json
    assert _open(api, theirs.serial).status_code == 404  # another dealer's unit
    theirs_case = _open(api, theirs.serial, role="dealer_b").json
    assert api("GET", f"/sanbao-cases/{theirs_case['id']}", Role.DEALER_STAFF).status_code == 404
    assert api("GET", f"/sanbao-cases/{mine['id']}", "dealer_b").status_code == 404
    assert api("GET", f"/sanbao-cases/{mine['id']}", Role.SALES_REP).status_code == 200


def test_the_failed_machine_back_at_the_factory_through_the_api(api, units):
    failed, _spare, _flag, _theirs = units
    case = api("POST", "/sanbao-cases", Role.CLERK, json={
        "serial": failed.serial, "kind": "refund", "entitlement": None, "reason": "无同型号",
        "invoice_amount": "36500.00"}).json
    path = f"/sanbao-cases/{case['id']}"
    api("POST", f"{path}/decide", Role.TECHNICAL, json={"approve": True, "reason": "同意退货"})
    early = api("POST", f"{path}/machine-received", Role.CLERK,
                json={"received_on": TODAY.isoformat()})
    assert early.status_code == 422  # not completed yet
    api("POST", f"{path}/complete", Role.CLERK, json={
        "completed_on": TODAY.isoformat(), "refund_amount": "36500.00"})
    assert api("POST", f"{path}/machine-received", Role.DEALER_STAFF,
               json={"received_on": TODAY.isoformat()}).status_code == 403
    future = api("POST", f"{path}/machine-received", Role.CLERK,
                 json={"received_on": (TODAY + timedelta(days=1)).isoformat()})
    assert future.status_code == 422 and future.json["field"] == "received_on"
    received = api("POST", f"{path}/machine-received", Role.CLERK,
                   json={"received_on": TODAY.isoformat(), "note": "物流单 WL-1"})
    assert received.status_code == 200, received.json
    assert received.json["machine"] == {"received_on": TODAY.isoformat(), "verdict": None,
                                        "cause": "", "part": None}
    assert api("POST", f"{path}/machine-verdict", Role.CLERK,
               json={"verdict": "misuse", "cause": "x"}).status_code == 403
    blank = api("POST", f"{path}/machine-verdict", Role.TECHNICAL,
                json={"verdict": "misuse", "cause": "  "})
    assert blank.status_code in (400, 422) and blank.json["field"] == "cause"
    unnamed = api("POST", f"{path}/machine-verdict", Role.TECHNICAL,
                  json={"verdict": "quality_fault", "cause": "缸体砂眼"})
    assert unnamed.status_code == 422 and unnamed.json["field"] == "part"
    unknown = api("POST", f"{path}/machine-verdict", Role.TECHNICAL,
                  json={"verdict": "quality_fault", "cause": "缸体砂眼", "part": "NO-SUCH"})
    assert unknown.status_code == 422 and unknown.json["field"] == "part"
    block = factories.make_part("BLK-1", models=[failed.model], kind="main", supplier="华源铸造")
    db.session.commit()
    judged = api("POST", f"{path}/machine-verdict", Role.TECHNICAL,
                 json={"verdict": "quality_fault", "cause": "缸体砂眼", "part": block.part_number})
    assert judged.status_code == 200, judged.json
    assert judged.json["machine"]["verdict"] == "quality_fault"
    assert judged.json["machine"]["part"] == "BLK-1"
    again = api("POST", f"{path}/machine-verdict", Role.TECHNICAL,
                json={"verdict": "no_defect", "cause": "复检"})
    assert again.status_code == 422
