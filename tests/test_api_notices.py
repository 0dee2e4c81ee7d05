"""API v1 write-off notices: lists and notices by scope, the PDF, the dealer's answer."""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.accounts.roles import Role
from portal.api import notices as api_notices
from portal.extensions import db
from portal.finance import lifecycle
from portal.finance.models import LedgerEntry, NoticeStatus
from portal.finance.notice_scope import replacement_of
from tests.builders import approved_claim, make_notice


@pytest.fixture
def notice_a(world):
    notice = make_notice(world.dealer_a, actor=world.users[Role.FINANCE])
    db.session.commit()
    return notice


@pytest.fixture
def notice_b(world):
    notice = make_notice(world.dealer_b, 1, actor=world.users[Role.FINANCE])
    db.session.commit()
    return notice


def numbers(response):
    assert response.status_code == 200, response.json
    return [n["number"] for n in response.json]


def test_list_shape_and_scope(api, world, notice_a, notice_b):
    mine = api("GET", "/notices", Role.DEALER_STAFF)
    assert mine.json == [{"number": notice_a.number, "dealer": "DA-01", "period": "2026-10",
                          "status": "issued", "total": "2841.00"}]
    assert numbers(api("GET", "/notices", "dealer_b")) == [notice_b.number]
    assert numbers(api("GET", "/notices", Role.SALES_REP)) == [notice_a.number]
    newest_first = [notice_b.number, notice_a.number]
    assert numbers(api("GET", "/notices", Role.FINANCE)) == newest_first
    assert numbers(api("GET", "/notices", Role.ADMIN)) == newest_first
    assert api("GET", "/notices", Role.CLERK).status_code == 403
    assert api("GET", "/notices", Role.TECHNICAL).status_code == 403
    assert api("GET", "/notices", role=None).status_code == 401


def test_list_filters(api, world, notice_a, notice_b):
    lifecycle.dispute_notice(notice_b, "no", actor=world.dealer_b_admin)
    db.session.commit()
    assert numbers(api("GET", "/notices?status=disputed", Role.FINANCE)) == [notice_b.number]
    assert numbers(api("GET", "/notices?period=2026-10&dealer=DA-01", Role.FINANCE)) == [
        notice_a.number]
    assert numbers(api("GET", "/notices?period=2026-11", Role.FINANCE)) == []
    assert numbers(api("GET", "/notices?dealer=DB-01", Role.DEALER_STAFF)) == []
    for query, field in (("status=lost", "status"), ("period=2026-13", "period"),
                         ("period=october", "period")):
        bad = api("GET", f"/notices?{query}", Role.FINANCE)
        assert bad.status_code == 400 and bad.json["field"] == field


def test_list_pages_with_a_link_header(api, world, notice_a, notice_b, monkeypatch):
    monkeypatch.setattr(api_notices, "NOTICE_PAGE", 1)
    first = api("GET", "/notices?period=2026-10", Role.FINANCE)
    assert numbers(first) == [notice_b.number]
    following = first.headers["Link"].split(">")[0].lstrip("<").removeprefix("/api/v1")
    assert "period=2026-10" in following
    second = api("GET", following, Role.FINANCE)
    assert numbers(second) == [notice_a.number] and "Link" not in second.headers


def test_notice_with_its_claims(api, world, notice_a):
    got = api("GET", f"/notices/{notice_a.number}", Role.DEALER_ADMIN)
    assert got.status_code == 200
    body = got.json
    assert {k: body[k] for k in ("number", "dealer", "dealer_name", "period", "period_start",
                                 "period_end", "status", "parts", "labour", "travel",
                                 "other", "total")} == {
        "number": notice_a.number, "dealer": "DA-01", "dealer_name": "甲经销商",
        "period": "2026-10", "period_start": "2026-10-01", "period_end": "2026-10-31",
        "status": "issued", "parts": "2400.00", "labour": "250.00", "travel": "160.00",
        "other": "31.00", "total": "2841.00"}
    assert body["offset"] is None and body["replaces"] is None and body["replaced_by"] is None
    assert body["pdf"] == f"/api/v1/notices/{notice_a.number}.pdf"
    rows = notice_a.claims
    assert body["claims"] == [
        {"number": r.claim.number, "serial": r.claim.unit.serial, "parts": "1200.00",
         "labour": "125.00", "travel": "80.00", "other": "15.50", "total": "1420.50"}
        for r in rows]
    assert api("GET", f"/notices/{notice_a.number}", Role.SALES_REP).status_code == 200
    assert api("GET", "/notices/HX-1999-0001", Role.FINANCE).status_code == 404


def test_pdf(api, notice_a):
    pdf = api("GET", f"/notices/{notice_a.number}.pdf", Role.DEALER_STAFF)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data == notice_a.document.pdf and pdf.data.startswith(b"%PDF")
    assert f"filename={notice_a.number}.pdf" in pdf.headers["Content-Disposition"]


def test_another_dealer_gets_404(api, notice_a):
    for method, path in (("GET", ""), ("GET", ".pdf"), ("POST", "/confirm"),
                         ("POST", "/dispute")):
        response = api(method, f"/notices/{notice_a.number}{path}", "dealer_b",
                       json={"reason": "x"})
        assert response.status_code == 404 and response.json["error"] == "not_found"
    assert notice_a.status == NoticeStatus.ISSUED


def test_confirm(api, world, notice_a):
    assert api("POST", f"/notices/{notice_a.number}/confirm", Role.FINANCE).status_code == 403
    done = api("POST", f"/notices/{notice_a.number}/confirm", Role.DEALER_STAFF)
    assert done.status_code == 200, done.json
    assert done.json["status"] == "confirmed" and done.json["confirmed_at"]
    assert done.json["offset"]["amount"] == "-2841.00"
    entries = db.session.scalars(sa.select(LedgerEntry).where(
        LedgerEntry.notice_id == notice_a.id)).all()
    assert [e.amount for e in entries] == [Decimal("-2841.00")]
    again = api("POST", f"/notices/{notice_a.number}/confirm", Role.DEALER_ADMIN)
    assert again.status_code == 409 and again.json["error"] == "conflict"
    dispute = api("POST", f"/notices/{notice_a.number}/dispute", Role.DEALER_ADMIN,
                  json={"reason": "late"})
    assert dispute.status_code == 409


def test_dispute(api, world, notice_a):
    for body in ({}, {"reason": " "}, {"reason": 5}, {"reason": "x" * 1001}):
        bad = api("POST", f"/notices/{notice_a.number}/dispute", Role.DEALER_STAFF, json=body)
        assert bad.status_code == 400 and bad.json["field"] == "reason"
    not_json = api("POST", f"/notices/{notice_a.number}/dispute", Role.DEALER_STAFF,
                   data="reason")
    assert not_json.status_code == 400
    done = api("POST", f"/notices/{notice_a.number}/dispute", Role.DEALER_STAFF,
               json={"reason": "WX-1 travel is wrong"})
    assert done.status_code == 200
    assert done.json["status"] == "disputed"
    assert done.json["dispute_reason"] == "WX-1 travel is wrong"
    confirm = api("POST", f"/notices/{notice_a.number}/confirm", Role.DEALER_STAFF)
    assert confirm.status_code == 409


def test_a_reissued_notice_names_what_it_replaces(api, world, notice_a):
    new = lifecycle.void_and_reissue(notice_a, "wrong", actor=world.users[Role.FINANCE])
    db.session.commit()
    assert replacement_of(notice_a) == new
    old = api("GET", f"/notices/{notice_a.number}", Role.DEALER_STAFF).json
    assert old["status"] == "voided" and old["replaced_by"] == new.number
    assert old["void_reason"] == "wrong"
    assert api("GET", f"/notices/{new.number}", Role.DEALER_STAFF).json[
        "replaces"] == notice_a.number
    assert numbers(api("GET", "/notices?status=issued", Role.DEALER_STAFF)) == [new.number]


def test_finance_issues_a_dealers_notice(api, world):
    approved_claim(world.dealer_a)
    approved_claim(world.dealer_a, finance_on=date(2026, 11, 2))  # after the period: not taken
    db.session.commit()
    body = {"dealer": world.dealer_a.code, "period_start": "2026-10-01",
            "period_end": "2026-10-31"}
    assert api("POST", "/notices", Role.DEALER_ADMIN, json=body).status_code == 403
    missing = api("POST", "/notices", Role.FINANCE, json={**body, "dealer": "NOPE"})
    assert missing.status_code == 404 and missing.json["field"] == "dealer"
    backwards = api("POST", "/notices", Role.FINANCE, json={**body, "period_start": "2026-11-01"})
    assert backwards.status_code == 422 and backwards.json["field"] == "period_start"
    issued = api("POST", "/notices", Role.FINANCE, json=body)
    assert issued.status_code == 201, issued.json
    notice = issued.json
    assert notice["status"] == "issued" and len(notice["claims"]) == 1
    assert notice["total"] == "1420.50"
    assert issued.headers["Location"].endswith(f"/notices/{notice['number']}")
    assert api("GET", f"/notices/{notice['number']}.pdf", Role.DEALER_ADMIN).data[:5] == b"%PDF-"
    nothing = api("POST", "/notices", Role.FINANCE, json=body)
    assert nothing.status_code == 422 and nothing.json["field"] == "period_end"
