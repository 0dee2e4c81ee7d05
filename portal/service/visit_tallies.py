"""The return-visit tallies: per day (and dealer) of completion, the repairs and how their
return visits went, so the visit rate of a month sums thirty rows instead of joining a hundred
thousand claims to their visits.

Kept in step by every flush that adds, removes or changes a claim's status, completion day or
dealer, or a visit's outcome: the claims' figures as stored before the flush are taken out and
those after it put in, in the same transaction, so the tallies never lag. The additions are
upserts, so two transactions on the same day's row wait for each other instead of one
overwriting the other. ``rebuild`` recomputes everything
(after a bulk load; the migration's backfill does the same in SQL).
"""

from datetime import date
from itertools import chain

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.claims.models import Claim, ClaimStatus
from portal.extensions import db
from portal.service.models import ReturnVisit, VisitDayTally, VisitStatus, VisitTally

SATISFIED = 4  # 4 and 5 count as satisfied
NOT_COUNTED = (ClaimStatus.DRAFT, ClaimStatus.REJECTED)  # not reported / not a warranty repair
FIGURES = ("repairs", "reached", "not_reached", "rated", "satisfaction_sum", "satisfied")
_PENDING = "visit_tallies"  # session.info: what a flush under way changes
CLAIM_FIELDS = ("status", "completed_on", "dealer_id")
VISIT_FIELDS = ("status", "reached", "satisfaction", "claim_id")


def _counted(*where) -> sa.Select:
    """Per completion day and dealer, the figures of the counted repairs matching ``where``."""
    done = ReturnVisit.status == VisitStatus.DONE
    return (
        sa.select(
            Claim.completed_on, Claim.dealer_id,
            sa.func.count(Claim.id),
            sa.func.count(sa.case((sa.and_(done, ReturnVisit.reached.is_(True)), 1))),
            sa.func.count(sa.case((sa.and_(done, ReturnVisit.reached.is_(False)), 1))),
            sa.func.count(ReturnVisit.satisfaction),
            sa.func.coalesce(sa.func.sum(ReturnVisit.satisfaction), 0),
            sa.func.count(sa.case((ReturnVisit.satisfaction >= SATISFIED, 1))))
        .select_from(Claim).outerjoin(ReturnVisit, ReturnVisit.claim_id == Claim.id)
        .where(Claim.completed_on.is_not(None), Claim.status.not_in(NOT_COUNTED), *where)
        .group_by(Claim.completed_on, Claim.dealer_id))


def _day_totals(*where) -> sa.Select:
    t = VisitTally
    return (sa.select(t.day, *[sa.func.sum(getattr(t, name)) for name in FIGURES])
            .where(*where).group_by(t.day))


def rebuild() -> None:
    """Recompute every tally from the claims, set-based (after a bulk load or a repair)."""
    db.session.execute(sa.delete(VisitDayTally))
    db.session.execute(sa.delete(VisitTally))
    db.session.execute(sa.insert(VisitTally).from_select(["day", "dealer_id", *FIGURES],
                                                         _counted()))
    db.session.execute(sa.insert(VisitDayTally).from_select(["day", *FIGURES], _day_totals()))


def _contributions(connection, claim_ids: set[int]) -> dict[int, tuple]:
    """Per claim id: ((day, dealer id), its figures) as the database holds it now, for the
    claims that count."""
    if not claim_ids:
        return {}
    v = ReturnVisit
    rows = connection.execute(
        sa.select(Claim.id, Claim.completed_on, Claim.dealer_id, v.status, v.reached,
                  v.satisfaction)
        .outerjoin(v, v.claim_id == Claim.id)
        .where(Claim.id.in_(claim_ids), Claim.completed_on.is_not(None),
               Claim.status.not_in(NOT_COUNTED)))
    found = {}
    for claim_id, day, dealer_id, status, reached, score in rows:
        done = status == VisitStatus.DONE
        found[claim_id] = ((day, dealer_id), (
            1, int(done and reached is True), int(done and reached is False),
            int(score is not None), score or 0, int(score is not None and score >= SATISFIED)))
    return found


def _upsert(connection, table, keys: dict, figures) -> None:
    """Add to one tally row, creating it at the first repair (one statement, race-free)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(**keys, **dict(zip(FIGURES, figures, strict=True)))
    connection.execute(stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: table.c[name] + stmt.excluded[name] for name in FIGURES}))


def apply_changes(connection, before: dict, after: dict) -> None:
    """Move the tallies from the claims' figures ``before`` to ``after`` (``_contributions``)."""
    deltas: dict[tuple, list[int]] = {}
    for found, sign in ((before, -1), (after, 1)):
        for key, figures in found.values():
            total = deltas.setdefault(key, [0] * len(FIGURES))
            for i, n in enumerate(figures):
                total[i] += sign * n
    by_day: dict[date, list[int]] = {}
    for (day, dealer_id), delta in deltas.items():
        if any(delta):
            _upsert(connection, VisitTally.__table__, {"day": day, "dealer_id": dealer_id}, delta)
            day_total = by_day.setdefault(day, [0] * len(FIGURES))
            for i, n in enumerate(delta):
                day_total[i] += n
    for day, delta in sorted(by_day.items()):
        _upsert(connection, VisitDayTally.__table__, {"day": day}, delta)


def _changed(session: Session, obj, names) -> bool:
    if obj in session.new or obj in session.deleted:
        return True
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _touched(session: Session) -> tuple[list[Claim], list[ReturnVisit]]:
    """The claims whose counted fields change in this flush, and the visits whose outcome does."""
    claims, visits = [], []
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Claim) and _changed(session, obj, CLAIM_FIELDS):
            claims.append(obj)
        elif isinstance(obj, ReturnVisit) and _changed(session, obj, VISIT_FIELDS):
            visits.append(obj)
    return claims, visits


def _claim_id(visit: ReturnVisit) -> int | None:
    """The visit's claim id, also for a visit just added through ``claim=`` (set at flush)."""
    if visit.claim_id is None and visit.claim is not None:
        return visit.claim.id
    return visit.claim_id


def _claim_ids(claims, visits) -> set[int]:
    ids = {c.id for c in claims} | {_claim_id(v) for v in visits}
    ids.discard(None)
    return ids


@event.listens_for(Session, "before_flush")
def _note_before(session: Session, flush_context, instances) -> None:
    """The touched claims' figures as stored before this flush."""
    claims, visits = _touched(session)
    if claims or visits:
        with session.no_autoflush:
            ids = _claim_ids(claims, visits)
            before = _contributions(session.connection(), ids)
        session.info.setdefault(_PENDING, []).append((claims, visits, ids, before))


@event.listens_for(Session, "after_flush")
def _keep_in_step(session: Session, flush_context) -> None:
    """Add the change to the tallies, in the flush's transaction."""
    for claims, visits, ids, before in session.info.pop(_PENDING, []):
        kept = [o for o in [*claims, *visits] if o not in session.deleted]
        ids = ids | _claim_ids([o for o in kept if isinstance(o, Claim)],
                               [o for o in kept if isinstance(o, ReturnVisit)])
        connection = session.connection()
        apply_changes(connection, before, _contributions(connection, ids))


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
