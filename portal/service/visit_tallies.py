"""The return-visit tallies: per day (and dealer) of completion, the repairs and how their
return visits went, so the visit rate of a month sums thirty rows instead of joining a hundred
thousand claims to their visits.

They count a claim from the moment it is reported (neither draft nor rejected, with a
completion day) and its visit's outcome. Every service that changes one of those facts says
so where it makes the change, in its own transaction:

    counted = visit_tallies.share(claim)   # before the change
    ...                                    # the claim's status or its visit's outcome changes
    visit_tallies.move(claim, counted)     # the tallies follow

The writers: claim submission, the technical decision and send-back (``portal.workflow``), the
rep's return to the technical department (``portal.finance.audit``), an old part's verdict
(``portal.returns.owed``) and a return-visit call (``portal.service.visits``). The additions
are upserts, so two transactions on the same day's row wait for each other instead of one
overwriting the other. ``rebuild`` recomputes everything (after a bulk load; the migration's
backfill does the same in SQL).
"""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from portal.claims.models import Claim, ClaimStatus
from portal.extensions import db
from portal.service.models import ReturnVisit, VisitDayTally, VisitStatus, VisitTally

SATISFIED = 4  # 4 and 5 count as satisfied
NOT_COUNTED = (ClaimStatus.DRAFT, ClaimStatus.REJECTED)  # not reported / not a warranty repair
FIGURES = ("repairs", "reached", "not_reached", "rated", "satisfaction_sum", "satisfied")
Share = tuple[tuple[date, int], tuple[int, ...]] | None  # ((day, dealer id), figures)


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


def _figures(stmt, keys: int) -> dict[tuple, tuple]:
    return {tuple(row[:keys]): tuple(row[keys:]) for row in db.session.execute(stmt)}


def drift() -> dict[tuple, tuple]:
    """Where the tallies differ from a recount of the claims: ``{(day, dealer id) or (day,):
    (kept, recounted)}``, empty when they are exact (a row of zeros is as good as none)."""
    zero = (0,) * len(FIGURES)
    counted = _figures(_counted(), 2)
    days: dict[tuple, tuple] = {}
    for (day, _dealer), figures in counted.items():
        days[(day,)] = tuple(map(sum, zip(days.get((day,), zero), figures, strict=True)))
    columns = [getattr(VisitTally, name) for name in FIGURES]
    kept = _figures(sa.select(VisitTally.day, VisitTally.dealer_id, *columns), 2)
    kept_days = _figures(sa.select(VisitDayTally.day,
                                   *[getattr(VisitDayTally, n) for n in FIGURES]), 1)
    return {key: (have.get(key, zero), want.get(key, zero))
            for have, want in ((kept, counted), (kept_days, days))
            for key in {*have, *want} if have.get(key, zero) != want.get(key, zero)}


def share(claim: Claim) -> Share:
    """What the claim adds to the tallies as it stands: its day and dealer and its figures,
    or None while it does not count."""
    if claim.completed_on is None or claim.status in NOT_COUNTED:
        return None
    visit = claim.return_visit
    done = visit is not None and visit.status == VisitStatus.DONE
    reached = visit.reached if visit is not None else None
    score = visit.satisfaction if visit is not None else None
    return ((claim.completed_on, claim.dealer_id), (
        1, int(done and reached is True), int(done and reached is False),
        int(score is not None), score or 0, int(score is not None and score >= SATISFIED)))


def move(claim: Claim, before: Share) -> None:
    """The claim counted as ``before`` (``share`` taken before the change; None: not at all);
    make the tallies count it as it stands now."""
    after = share(claim)
    if after == before:
        return
    deltas: dict[tuple, list[int]] = {}
    for found, sign in ((before, -1), (after, 1)):
        if found is not None:
            key, figures = found
            total = deltas.setdefault(key, [0] * len(FIGURES))
            for i, n in enumerate(figures):
                total[i] += sign * n
    for (day, dealer_id), delta in sorted(deltas.items()):
        if any(delta):
            _upsert(VisitTally.__table__, {"day": day, "dealer_id": dealer_id}, delta)
            _upsert(VisitDayTally.__table__, {"day": day}, delta)


def _upsert(table, keys: dict, figures) -> None:
    """Add to one tally row, creating it at the first repair (one statement, race-free)."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(**keys, **dict(zip(FIGURES, figures, strict=True)))
    db.session.execute(stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: table.c[name] + stmt.excluded[name] for name in FIGURES}))
