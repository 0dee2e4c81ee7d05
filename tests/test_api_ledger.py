"""API v1 ledger entries: administrator only, validation per field, all or nothing, idempotent."""

import sqlalchemy as sa

from portal.accounts.roles import Role
from portal.core.audit import AuditEntry
from portal.extensions import db
from portal.finance.models import LedgerEntry


def entry(**values):
    return {"dealer": "DA-01", "kind": "invoice", "date": "2026-01-10", "reference": "FP-1",
            "amount": "5000.00", "memo": "货款", **values}


def count():
    return db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)))


def test_one_entry_created_then_repeated(api, world):
    created = api("POST", "/ledger-entries", json=entry())
    assert created.status_code == 201, created.json
    body = created.json
    assert body["amount"] == "5000.00" and body["balance"] == "5000.00" and body["created"]
    assert body["dealer"] == "DA-01" and body["kind"] == "invoice" and body["source"] == "api"
    paid = api("POST", "/ledger-entries",
               json=entry(kind="payment", reference="SK-1", amount="1200.50", memo=""))
    assert paid.status_code == 201
    assert paid.json["amount"] == "1200.50" and paid.json["ledger_amount"] == "-1200.50"
    assert paid.json["balance"] == "3799.50"
    repeat = api("POST", "/ledger-entries", json=entry())
    assert repeat.status_code == 200 and repeat.json["id"] == body["id"]
    assert not repeat.json["created"] and repeat.json["balance"] == "5000.00"
    assert count() == 2
    audit = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.entity_type == "ledger_entries")).all()
    assert {(a.action, a.actor_name) for a in audit} == {("create", "w_admin")}


def test_a_list_is_all_or_nothing_with_errors_per_field(api, world):
    bad = api("POST", "/ledger-entries", json=[
        entry(),
        entry(reference="FP-2", amount="12.345"),
        entry(reference="", kind="offset", dealer="NOPE", date="2026-02-30"),
        entry(reference="FP-1", amount="1.00"),
    ])
    assert bad.status_code == 422 and bad.json["error"] == "invalid_entries"
    fields = [e["field"] for e in bad.json["errors"]]
    assert fields == ["[1].amount", "[2].reference", "[2].date", "[2].kind", "[2].dealer",
                      "[3].reference"]
    assert count() == 0
    single = api("POST", "/ledger-entries", json=entry(amount=5000))
    assert single.status_code == 422 and single.json["errors"][0]["field"] == "amount"
    negative = api("POST", "/ledger-entries", json=entry(amount="-5.00"))
    assert negative.status_code == 422 and negative.json["errors"][0]["field"] == "amount"


def test_a_list_posts_together_and_mixed_repeats(api, world):
    first = api("POST", "/ledger-entries", json=[
        entry(kind="opening", reference="QC-1", amount="-100.00", date="2025-12-31"),
        entry(), entry(dealer="DB-01")])
    assert first.status_code == 201
    assert [(e["dealer"], e["balance"]) for e in first.json] == [
        ("DA-01", "-100.00"), ("DA-01", "4900.00"), ("DB-01", "5000.00")]
    again = api("POST", "/ledger-entries", json=[entry(), entry(reference="FP-3",
                                                                 amount="1.00")])
    assert again.status_code == 201
    assert [e["created"] for e in again.json] == [False, True]
    changed = api("POST", "/ledger-entries", json=entry(amount="5000.01"))
    assert changed.status_code == 422 and changed.json["errors"][0]["field"] == "reference"
    assert count() == 4


def test_only_administrators_and_well_formed_bodies(api, world):
    for role in (Role.FINANCE, Role.DEALER_ADMIN, Role.CLERK):
        assert api("POST", "/ledger-entries", role, json=entry()).status_code == 403
    assert api("POST", "/ledger-entries", role=None, json=entry()).status_code == 401
    assert api("POST", "/ledger-entries", json=[]).status_code == 400
    assert api("POST", "/ledger-entries", json="x").status_code == 400
    assert api("POST", "/ledger-entries", json=[1]).status_code == 422
    assert count() == 0


def test_documented_in_openapi(client):
    spec = client.get("/api/v1/openapi.json").json
    post = spec["paths"]["/ledger-entries"]["post"]
    assert {"201", "200", "422"} <= set(post["responses"])
    assert "LedgerEntry" in spec["components"]["schemas"]
