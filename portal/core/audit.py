"""The append-only audit trail: who did what to which record, when, between which states, why."""

from datetime import date, datetime
from decimal import Decimal
from enum import Enum

import sqlalchemy as sa
from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import UTCDateTime, utcnow
from portal.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (sa.Index("ix_audit_entries_entity", "entity_type", "entity_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    actor_name: Mapped[str] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    entity_type: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[str] = mapped_column(sa.String(40))
    entity_label: Mapped[str] = mapped_column(sa.String(200), default="")
    from_state: Mapped[str | None] = mapped_column(sa.String(40))
    to_state: Mapped[str | None] = mapped_column(sa.String(40))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    remote_addr: Mapped[str] = mapped_column(sa.String(64), default="")

    # joined: every list of entries shows who acted by display name, without a query per row
    actor = relationship("User", lazy="joined")


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_change(mapper, connection, target):
    raise RuntimeError("the audit trail is append-only")


def _plain(value):
    """A JSON-safe, readable form of a column value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal | date | datetime):
        return str(value)
    if isinstance(value, list | tuple | set):
        return sorted(_plain(v) for v in value)
    return value


def entity_key(obj) -> tuple[str, str]:
    return obj.__tablename__, str(obj.id)


# The actor of what the rules decide on their own: recorded as "system", never as the user.
SYSTEM = object()


def _actor(actor):
    if actor is SYSTEM:
        return None
    if actor is None and has_request_context() and current_user.is_authenticated:
        return current_user._get_current_object()
    return actor


def _entry(action, obj, actor, *, from_state=None, to_state=None, reason="", changes=None):
    entity_type, entity_id = entity_key(obj)
    return AuditEntry(
        actor=actor,
        actor_name=actor.username if actor else "system",
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        entity_label=str(getattr(obj, "audit_label", "") or "")[:200],
        from_state=_plain(from_state),
        to_state=_plain(to_state),
        reason=reason or "",
        changes={k: [_plain(a), _plain(b)] for k, (a, b) in (changes or {}).items()},
        remote_addr=(request.remote_addr or "") if has_request_context() else "",
    )


def record(action: str, obj, *, actor=None, from_state=None, to_state=None, reason: str = "",
           changes: dict | None = None):
    """Append one entry about ``obj``; the caller's transaction commits it with the change."""
    actor = _actor(actor)
    db.session.flush()
    entry = _entry(action, obj, actor, from_state=from_state, to_state=to_state,
                   reason=reason, changes=changes)
    db.session.add(entry)
    return entry


def record_many(action: str, changed: list[tuple[object, dict]], *, actor=None) -> None:
    """Append one entry per (record, changes) pair with a single flush, for bulk imports."""
    actor = _actor(actor)
    db.session.flush()
    db.session.add_all([_entry(action, obj, actor, changes=changes) for obj, changes in changed])


def apply_changes(obj, values: dict) -> dict:
    """Set attributes from ``values``; return {name: (old, new)} for those that changed."""
    changed = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if _plain(old) != _plain(new):
            changed[name] = (old, new)
            setattr(obj, name, new)
    return changed


def create_or_update(model_cls, obj, values: dict, *, actor):
    """Create ``model_cls(**values)`` when ``obj`` is None, else apply what changed; audit it."""
    if obj is None:
        obj = model_cls(**values)
        db.session.add(obj)
        record("create", obj, actor=actor, changes={k: (None, v) for k, v in values.items()})
    elif changes := apply_changes(obj, values):
        record("update", obj, actor=actor, changes=changes)
    return obj


def history(*objs, limit: int = 50):
    """The newest entries about these records, in one list."""
    keys = [entity_key(obj) for obj in objs]
    return db.session.scalars(
        sa.select(AuditEntry)
        .where(sa.or_(*(sa.and_(AuditEntry.entity_type == t, AuditEntry.entity_id == i)
                        for t, i in keys)))
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    ).all()
