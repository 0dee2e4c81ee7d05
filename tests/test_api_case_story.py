"""An exchange and a refund carried through the API alone, from the entitlement to the offset on
the dealer's receivable: the dealer opens, the technical department decides, the dealer hands
over, the clerk receives the failed machine, the technical department judges it, finance approves
the settlement and issues the dealer's notice, the dealer confirms it."""

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.accounts.roles import Role
from portal.catalog.models import DiscountRate, ModelCategory
from portal.claims.models import FlagKind, UnitFlag
from portal.core.db import shanghai_today
from portal.extensions import db
from portal.finance.models import LedgerEntry, LedgerKind
from tests import factories

TODAY = shanghai_today()
PRICE = Decimal("86000.00")


@pytest.fixture
def stage(world, db):
    """Dealer A's two tractors sold 100 days ago, each with an open exchange entitlement; an
    unsold tractor of the model in its stock; the model's price, main part and the standard."""
    model = factories.make_model(category=ModelCategory.TRACTOR_LARGE, dealer_price=PRICE)
    part = factories.make_part("BX-01", models=[model], name="变速箱体", supplier="洛阳齿轮箱厂")
    for start, rate in ((0, "100"), (3, "95"), (12, "90")):
        db.session.add(DiscountRate(category=model.category, from_month=start,
                                    rate=Decimal(rate)))
    failed = []
    for buyer in ("李四", "王五"):
        unit = factories.make_unit(model=model, dealer=world.dealer_a)
        factories.make_card(unit, sale_date=TODAY - timedelta(days=100), buyer_name=buyer)
        db.session.add(UnitFlag(unit=unit, kind=FlagKind.EXCHANGE, detail="修理超过三十个工作日",
                                claim=factories.make_claim(unit, status="approved")))
        failed.append(unit)
    spare = factories.make_unit(model=model, dealer=world.dealer_a)
    db.session.commit()
    flags = {unit.serial: db.session.scalar(sa.select(UnitFlag.id).where(
        UnitFlag.unit_id == unit.id)) for unit in failed}
    return failed, spare, part, flags


def _ok(response, status=200):
    assert response.status_code == status, response.json
    return response.json


def _to_the_factory(api, case_id, part):
    """Decided, completed elsewhere; now the machine is received and judged."""
    path = f"/sanbao-cases/{case_id}"
    _ok(api("POST", f"{path}/machine-received", Role.CLERK,
            json={"received_on": TODAY.isoformat()}))
    return _ok(api("POST", f"{path}/machine-verdict", Role.TECHNICAL, json={
        "verdict": "quality_fault", "cause": "变速箱体砂眼渗油", "part": part.part_number}))


def test_an_exchange_and_a_refund_from_the_entitlement_to_the_offset(api, world, stage):
    (first, second), spare, part, flags = stage
    today = TODAY.isoformat()
    cases = {}
    for unit, kind in ((first, "exchange"), (second, "refund")):
        case = _ok(api("POST", "/sanbao-cases", Role.DEALER_STAFF, json={
            "serial": unit.serial, "kind": kind, "entitlement": flags[unit.serial],
            "reason": "送修超过三十个工作日", "invoice_amount": "98000.00"}), 201)
        path = f"/sanbao-cases/{case['id']}"
        _ok(api("POST", f"{path}/decide", Role.TECHNICAL,
                json={"approve": True, "reason": "维修记录属实"}))
        done = {"exchange": {"replacement_serial": spare.serial},
                "refund": {"refund_amount": "98000.00", "buyer_receipt": "收据 0032"}}[kind]
        case = _ok(api("POST", f"{path}/complete", Role.DEALER_STAFF,
                       json={"completed_on": today, **done}))
        assert case["status"] == "completed" and case["finance_settlement"] is None
        # 100 days in use: 3 whole months, 95 % of the dealer price
        assert case["settlement"]["amount"] == "81700.00", case["settlement"]
        early = api("POST", f"{path}/settle", Role.FINANCE, json={"approve": True})
        assert early.status_code == 409  # the failed machine is not back yet
        case = _to_the_factory(api, case["id"], part)
        assert case["machine"]["part"] == "BX-01"
        assert api("POST", f"{path}/settle", Role.DEALER_STAFF,
                   json={"approve": True}).status_code == 403
        case = _ok(api("POST", f"{path}/settle", Role.FINANCE, json={"approve": True}))
        assert case["finance_settlement"]["status"] == "approved"
        assert case["finance_settlement"]["amount"] == "81700.00"
        cases[kind] = case

    coverage = _ok(api("GET", f"/units/{spare.serial}/coverage?on={today}", Role.DEALER_STAFF))
    assert coverage["covered"] and coverage["starts_on"] == today
    entitlements = _ok(api("GET", f"/units/{first.serial}/entitlements", Role.CLERK))
    assert [e["status"] for e in entitlements] == ["resolved"]

    notice = _ok(api("POST", "/notices", Role.FINANCE, json={
        "dealer": world.dealer_a.code, "period_start": TODAY.replace(day=1).isoformat(),
        "period_end": today}), 201)
    assert notice["exchange_refund"] == "163400.00" and notice["total"] == "163400.00"
    assert sorted(c["number"] for c in notice["cases"]) == sorted(
        c["number"] for c in cases.values())
    assert api("POST", f"/notices/{notice['number']}/confirm", "dealer_b").status_code == 404
    confirmed = _ok(api("POST", f"/notices/{notice['number']}/confirm", Role.DEALER_STAFF))
    assert confirmed["status"] == "confirmed"
    assert confirmed["offset"] == {"entry_date": today, "amount": "-163400.00"}
    offset = db.session.scalar(sa.select(LedgerEntry).where(
        LedgerEntry.dealer_id == world.dealer_a.id, LedgerEntry.kind == LedgerKind.OFFSET))
    assert offset.amount == Decimal("-163400.00")
    assert all(c["number"] in offset.memo for c in cases.values())
    for case in cases.values():
        settled = _ok(api("GET", f"/sanbao-cases/{case['id']}", Role.DEALER_STAFF))
        assert settled["finance_settlement"]["status"] == "written_off"
        assert settled["finance_settlement"]["notice"] == notice["number"]
    again = api("POST", "/notices", Role.FINANCE, json={
        "dealer": world.dealer_a.code, "period_start": TODAY.replace(day=1).isoformat(),
        "period_end": today})
    assert again.status_code == 422  # each settlement on one notice only
