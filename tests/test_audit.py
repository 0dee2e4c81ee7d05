"""The audit trail is append-only and records who, what, when, states and why."""

import pytest

from portal.accounts.roles import Role
from portal.core import audit
from portal.core.audit import AuditEntry


def test_record_and_history(world, db):
    dealer = world.dealer_a
    admin = world.users[Role.ADMIN]
    changes = audit.apply_changes(dealer, {"city": "青岛市", "name": dealer.name})
    assert set(changes) == {"city"}
    audit.record("update", dealer, actor=admin, changes=changes, reason="搬迁")
    db.session.commit()
    [entry] = audit.history(dealer)
    assert (entry.actor_name, entry.action, entry.entity_type, entry.entity_id) == (
        "w_admin", "update", "dealers", str(dealer.id))
    assert entry.changes == {"city": ["济南市", "青岛市"]} and entry.reason == "搬迁"
    assert entry.at.tzinfo is not None
    assert entry.entity_label == "DA-01 甲经销商"


def test_entries_cannot_be_changed_or_deleted(world, db):
    entry = audit.record("create", world.dealer_a, actor=None)
    db.session.commit()
    entry.reason = "tampered"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_audit_log_pages_newest_first_and_filters(client, login, world, db):
    for n in range(70):
        audit.record("update", world.dealer_b, actor=world.users[Role.CLERK], reason=f"r{n}")
    db.session.commit()
    login(world.users[Role.ADMIN])
    body = client.get("/audit?entity=dealers&actor=w_clerk").get_data(as_text=True)
    assert body.index("r69") < body.index("r68")
    assert "r19" not in body  # second page
    assert "Show more" in body or "显示更多" in body


def test_times_are_shown_in_shanghai(client, login, world, db):
    from datetime import UTC, datetime

    clerk = world.users[Role.CLERK]
    clerk.last_login_at = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)
    db.session.commit()
    login(world.users[Role.ADMIN])
    body = client.get(f"/admin/users/{clerk.id}").get_data(as_text=True)
    assert "2026-11-24 01:30" in body
