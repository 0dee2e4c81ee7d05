"""Side effects you can see: no business writes hidden in ORM hooks.

Running totals and tallies are written by the services that change what they count
(``portal.service.visit_tallies``, ``portal.finance.cost_totals``); the flush hooks left are the
guard that keeps a confirmed write-off notice unchanged and the one that keeps a claim's
``parts_pending`` flag (an index column, not a business figure: whether an old part still waits for
a verdict or a waiver, which the rep's count of claims to forward reads from an index) equal to its
owed parts whichever service changed them — a stored copy of a live rule that a missed call would
silently make wrong, as a snapshot of that count once did. The only mapper hooks keep the audit
trail append-only. A new hook must be added here on purpose.
"""

from sqlalchemy.orm import Session

from portal.core.audit import AuditEntry
from portal.extensions import db

SESSION_EVENTS = ("before_flush", "after_flush", "after_flush_postexec", "before_commit",
                  "after_commit", "after_rollback", "after_begin", "after_soft_rollback")
MAPPER_EVENTS = ("before_insert", "before_update", "before_delete", "after_insert",
                 "after_update", "after_delete")


def _with_subclasses(cls):
    yield cls
    for sub in cls.__subclasses__():
        yield from _with_subclasses(sub)


def test_only_the_notice_guard_listens_to_flushes(app):
    found = {(name, f"{fn.__module__}.{fn.__qualname__}")
             for name in SESSION_EVENTS
             for cls in _with_subclasses(Session)
             for fn in getattr(Session.dispatch, name)._clslevel.get(cls, [])}
    assert found == {("before_flush", "portal.finance.immutability._guard_confirmed_notices"),
                     ("after_flush", "portal.returns.models._keep_parts_pending"),
                     ("after_flush_postexec", "portal.returns.models._expire_parts_pending")}


def test_only_the_audit_trail_guards_listen_to_rows(app):
    found = {(mapper.class_, name) for mapper in db.Model.registry.mappers
             for name in MAPPER_EVENTS if list(getattr(mapper.dispatch, name))}
    assert found == {(AuditEntry, "before_update"), (AuditEntry, "before_delete")}
