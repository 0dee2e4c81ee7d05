"""Early warning: is a key part failing significantly more often in one production batch?

For each key part and each production batch of units the part fits, the batch's failures of
the part are compared with what the part's baseline rate over all the OTHER batches (failures
per unit-day in the field, with half a failure added so a part that never failed elsewhere is
not compared with zero) predicts for the batch's own unit-days; the excess is tested with a
one-sided Poisson test. Everything comes from a few grouped queries, never one per unit or pair.
"""

import math
from collections import defaultdict, namedtuple
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.catalog.models import Part, PolicySettings, part_models
from portal.claims.models import Claim, ClaimLine, ClaimStatus, Decision, LineKind
from portal.core import audit
from portal.core.db import SHANGHAI, utcnow
from portal.core.errors import DomainError
from portal.dealers.models import Dealer
from portal.extensions import db
from portal.quality.access import can_act_on_alerts
from portal.quality.models import OPEN_ALERT, AlertRun, AlertStatus, BatchAlert, BatchExposure
from portal.units.cards import CardStatus, WarrantyCard
from portal.units.models import Unit

# Added to the other batches' failures: a part that never failed elsewhere is not compared with
# a rate of zero (against which any single failure would look infinitely unlikely).
BASELINE_PRIOR = 0.5

# A failure: a claim past draft and not rejected outright (the shared definition).
FAILURE_STATUSES = (ClaimStatus.SUBMITTED, ClaimStatus.UNDER_REVIEW, ClaimStatus.APPROVED,
                    ClaimStatus.PARTLY_APPROVED)


def poisson_tail(n: int, lam: float) -> float:
    """P(X >= n) for X ~ Poisson(lam), exact to float precision.

    A small upper tail is summed directly (1 - CDF would cancel to nothing); otherwise the
    terms below n are summed in log space, so a large lam does not underflow e^-lam."""
    if n <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    if n > lam:
        term = math.exp(-lam + n * math.log(lam) - math.lgamma(n + 1))
        total, k = 0.0, n
        while term > total * 1e-17:
            total += term
            k += 1
            term *= lam / k
        return min(total, 1.0)
    below = math.fsum(math.exp(-lam + k * math.log(lam) - math.lgamma(k + 1)) for k in range(n))
    return max(0.0, 1.0 - below)


@dataclass
class BatchFigures:
    """One (key part, batch) pair as the check sees it."""

    part_id: int
    batch: str
    failures: int
    units: int
    unit_days: int
    baseline_rate: float  # failures per unit-day over the other batches
    expected: float
    p_value: float

    def significant(self, level: float, min_failures: int) -> bool:
        return self.failures >= min_failures and self.p_value < level


def thresholds() -> tuple[float, int]:
    """(significance level, minimum failures) from the policy; its defaults before it is saved."""
    policy = PolicySettings.current()
    level, least = policy.alert_significance, policy.alert_min_failures
    return (0.01 if level is None else float(level)), (3 if least is None else least)


def key_part_ids() -> list[int]:
    return list(db.session.scalars(
        sa.select(Part.id).where(Part.key_part.is_(True), Part.is_active.is_(True))))


def exposure(as_of: date, part_ids) -> dict[tuple[int, str], tuple[int, int]]:
    """(part, batch) -> (units sold, unit-days in the field up to ``as_of``).

    Grouped by sale day too, so the day arithmetic stays in Python and works on any database;
    that is a few hundred rows, never one per unit."""
    rows = db.session.execute(
        sa.select(part_models.c.part_id, Unit.batch, WarrantyCard.sale_date, sa.func.count())
        .join(Unit, Unit.model_id == part_models.c.model_id)
        .join(WarrantyCard, WarrantyCard.unit_id == Unit.id)
        .where(part_models.c.part_id.in_(part_ids), WarrantyCard.status != CardStatus.VOID,
               WarrantyCard.sale_date <= as_of)
        .group_by(part_models.c.part_id, Unit.batch, WarrantyCard.sale_date))
    figures = defaultdict(lambda: [0, 0])
    for part_id, batch, sale_date, count in rows:
        figures[part_id, batch][0] += count
        figures[part_id, batch][1] += count * (as_of - sale_date).days
    return {key: (units, days) for key, (units, days) in figures.items()}


def failures(as_of: date, part_ids) -> dict[tuple[int, str], int]:
    """(part, batch) -> quantity of the part on failures dated up to ``as_of``."""
    rows = db.session.execute(
        sa.select(ClaimLine.part_id, Unit.batch, sa.func.sum(ClaimLine.quantity))
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .join(Unit, Unit.id == Claim.unit_id)
        .where(ClaimLine.part_id.in_(part_ids), ClaimLine.kind == LineKind.PART,
               ClaimLine.decision != Decision.REJECTED, Claim.status.in_(FAILURE_STATUSES),
               Claim.failure_date <= as_of)
        .group_by(ClaimLine.part_id, Unit.batch))
    return {(part_id, batch): int(qty or 0) for part_id, batch, qty in rows}


def batch_figures(as_of: date, part_ids=None) -> list[BatchFigures]:
    """The figures of every (key part, batch) pair with units in the field and a baseline."""
    part_ids = key_part_ids() if part_ids is None else list(part_ids)
    return figures_of(exposure(as_of, part_ids), failures(as_of, part_ids))


def last_checked(part_id: int) -> list[BatchFigures] | None:
    """``batch_figures`` of the part as the last check counted them (None: not counted)."""
    e = BatchExposure
    rows = db.session.execute(sa.select(e.batch, e.units, e.unit_days, e.failures)
                              .where(e.part_id == part_id)).all()
    if not rows:
        return None
    return figures_of({(part_id, r.batch): (r.units, r.unit_days) for r in rows},
                      {(part_id, r.batch): r.failures for r in rows})


def _keep_counts(exposed: dict, failed: dict) -> None:
    """Replace the last check's counts (``last_checked``) with these."""
    db.session.execute(sa.delete(BatchExposure))
    rows = [{"part_id": part_id, "batch": batch, "units": units, "unit_days": days,
             "failures": failed.get((part_id, batch), 0)}
            for (part_id, batch), (units, days) in exposed.items()]
    if rows:
        db.session.execute(sa.insert(BatchExposure), rows)


def figures_of(exposed: dict, failed: dict) -> list[BatchFigures]:
    """``batch_figures`` of the counts: (part, batch) -> (units, unit-days) and -> failures."""
    totals = defaultdict(lambda: [0, 0])
    for (part_id, batch), (_units, days) in exposed.items():
        totals[part_id][0] += failed.get((part_id, batch), 0)
        totals[part_id][1] += days
    result = []
    for (part_id, batch), (units, days) in sorted(exposed.items()):
        observed = failed.get((part_id, batch), 0)
        other_failures = totals[part_id][0] - observed
        other_days = totals[part_id][1] - days
        if days <= 0 or other_days <= 0:
            continue  # no time in the field, or no other batches to compare with
        rate = (other_failures + BASELINE_PRIOR) / other_days
        expected = rate * days
        result.append(BatchFigures(part_id, batch, observed, units, days, rate, expected,
                                   poisson_tail(observed, expected)))
    return result


def check(*, actor=None, now: datetime | None = None) -> AlertRun:
    """Run the early-warning check in the caller's transaction and record the run.

    Raises an alert for each significant (key part, batch) pair that has none open, and
    refreshes the figures of the alerts not closed (whether still significant or not: a person
    closes an alert, not the statistics). A pair whose last alert was closed is raised again
    only when its failures grew since it was closed, so closing an alert is not undone by the
    next run on the same evidence. Without ``actor`` the run counts as the scheduled one."""
    started = now or utcnow()
    level, least = thresholds()
    run = AlertRun(started_at=started, started_by=actor, scheduled=actor is None,
                   pairs_checked=0, alerts_raised=0, alerts_updated=0)
    db.session.add(run)
    as_of, part_ids = started.astimezone(SHANGHAI).date(), key_part_ids()
    exposed, failed = exposure(as_of, part_ids), failures(as_of, part_ids)
    _keep_counts(exposed, failed)
    figures = figures_of(exposed, failed)
    open_alerts = {(a.part_id, a.batch): a for a in db.session.scalars(
        sa.select(BatchAlert).where(BatchAlert.status.in_(OPEN_ALERT)))}
    closed = _last_closed_failures()
    who = actor if actor is not None else audit.SYSTEM
    for fig in figures:
        key = (fig.part_id, fig.batch)
        if key in open_alerts:
            _refresh(open_alerts[key], fig, started)
            run.alerts_updated += 1
        elif fig.significant(level, least) and fig.failures > closed.get(key, -1):
            _raise(fig, run, started, who)
            run.alerts_raised += 1
    run.pairs_checked = len(figures)
    run.finished_at = started if now else utcnow()
    audit.record("run_alert_check", run, actor=who, reason=_(
        "%(pairs)d (part, batch) pairs checked, %(raised)d alerts raised, %(updated)d updated",
        pairs=run.pairs_checked, raised=run.alerts_raised, updated=run.alerts_updated))
    return run


def _last_closed_failures() -> dict[tuple[int, str], int]:
    """(part, batch) -> failures of the pair's most recently closed alert."""
    rows = db.session.execute(
        sa.select(BatchAlert.part_id, BatchAlert.batch, BatchAlert.failures)
        .where(BatchAlert.status == AlertStatus.CLOSED).order_by(BatchAlert.closed_at,
                                                                 BatchAlert.id))
    return {(part_id, batch): count for part_id, batch, count in rows}


def _numbers(fig: BatchFigures) -> dict:
    return {"failures": fig.failures, "units": fig.units, "unit_days": fig.unit_days,
            "expected": Decimal(f"{fig.expected:.4f}"),
            "baseline_rate": Decimal(f"{fig.baseline_rate:.10f}"),
            "p_value": Decimal(f"{fig.p_value:.12f}")}


def _refresh(alert: BatchAlert, fig: BatchFigures, now: datetime) -> None:
    audit.apply_changes(alert, _numbers(fig))
    alert.checked_at = now


def _raise(fig: BatchFigures, run: AlertRun, now: datetime, who) -> BatchAlert:
    alert = BatchAlert(part_id=fig.part_id, batch=fig.batch, status=AlertStatus.OPEN,
                       raised_at=now, checked_at=now, run=run, **_numbers(fig))
    db.session.add(alert)
    db.session.flush()
    audit.record("raise_alert", alert, actor=who, to_state=AlertStatus.OPEN,
                 reason=f"{fig.failures} / {fig.expected:.2f}, p = {fig.p_value:.2g}")
    return alert


def acknowledge(alert: BatchAlert, note: str, *, actor, now: datetime) -> None:
    """Someone owns the alert and is acting on it; the note says what they do."""
    _transition(alert, "acknowledge", AlertStatus.ACKNOWLEDGED, (AlertStatus.OPEN,), note,
                actor)
    alert.acknowledged_by, alert.acknowledged_at = actor, now
    alert.acknowledge_note = note.strip()


def close(alert: BatchAlert, note: str, *, actor, now: datetime) -> None:
    """The alert is dealt with; the note says how."""
    _transition(alert, "close", AlertStatus.CLOSED, OPEN_ALERT, note, actor)
    alert.closed_by, alert.closed_at, alert.close_note = actor, now, note.strip()


def _transition(alert, action, to_state, allowed, note, actor) -> None:
    if not can_act_on_alerts(actor):
        raise DomainError(_("Your role is not allowed to do this."))
    if alert.status not in allowed:
        raise DomainError(_("This alert is already %(status)s.", status=alert.status.title))
    if not (note or "").strip():
        raise DomainError(_("Write a note: what was found and what is being done."),
                          field="note")
    from_state, alert.status = alert.status, to_state
    audit.record(action, alert, actor=actor, from_state=from_state, to_state=to_state,
                 reason=note.strip())


@dataclass
class DealerRisk:
    """One dealer's units of an alert's batch: in the field (sold) and still in stock."""

    dealer: object
    sold: list  # (unit, card in force)
    unsold: list  # units


def _batch_units(alert: BatchAlert, units_stmt=None):
    """A SELECT of the alert's batch units the part fits, at a dealer (``units_stmt``, else
    every unit, narrowed), and the join condition of such a unit's card in force."""
    stmt = units_stmt if units_stmt is not None else sa.select(Unit)
    fits = sa.select(part_models.c.model_id).where(part_models.c.part_id == alert.part_id)
    in_force = sa.and_(WarrantyCard.unit_id == Unit.id, WarrantyCard.status != CardStatus.VOID)
    return (stmt.where(Unit.batch == alert.batch, Unit.model_id.in_(fits),
                       Unit.dealer_id.is_not(None)), in_force)


def units_at_risk(alert: BatchAlert, units_stmt=None) -> list[DealerRisk]:
    """The alert's batch units the part fits, by dealer (code order): those sold and still in
    the field (card in force), and those not sold yet, listed separately.

    ``units_stmt`` narrows the units (a user's scope: ``visible_units(user)``)."""
    stmt, in_force = _batch_units(alert, units_stmt)
    rows = db.session.execute(
        stmt.add_columns(WarrantyCard).outerjoin(WarrantyCard, in_force)
        .options(selectinload(Unit.dealer), selectinload(Unit.model))
        .order_by(Unit.serial)).all()
    groups: dict[int, DealerRisk] = {}
    for unit, card in rows:
        group = groups.setdefault(unit.dealer_id, DealerRisk(unit.dealer, [], []))
        if card is None:
            group.unsold.append(unit)
        else:
            group.sold.append((unit, card))
    return sorted(groups.values(), key=lambda g: g.dealer.code)


DealerName = namedtuple("DealerName", "id code name")


@dataclass
class DealerCount:
    """``DealerRisk`` counted: one dealer's units of an alert's batch, sold and in stock."""

    dealer: "DealerName"
    sold: int
    unsold: int


def risk_counts(alert: BatchAlert, units_stmt=None) -> list[DealerCount]:
    """``units_at_risk`` counted per dealer (code order), in one grouped query."""
    stmt, in_force = _batch_units(alert, units_stmt)
    sold = sa.func.count(WarrantyCard.id)
    rows = db.session.execute(
        stmt.with_only_columns(Dealer.id, Dealer.code, Dealer.name, sold, sa.func.count(),
                               maintain_column_froms=True)
        .join(Dealer, Dealer.id == Unit.dealer_id).outerjoin(WarrantyCard, in_force)
        .group_by(Dealer.id, Dealer.code, Dealer.name).order_by(Dealer.code))
    return [DealerCount(DealerName(*row[:3]), row[3], row[4] - row[3]) for row in rows]


def claims_behind(alert: BatchAlert, claims_stmt=None):
    """A SELECT of the failures counted for the alert: claims with the part on units of the
    batch (``claims_stmt`` narrows them to a user's scope), newest failure first."""
    stmt = claims_stmt if claims_stmt is not None else sa.select(Claim)
    lines = (sa.select(ClaimLine.claim_id)
             .where(ClaimLine.part_id == alert.part_id, ClaimLine.kind == LineKind.PART,
                    ClaimLine.decision != Decision.REJECTED))
    return (stmt.join(Unit, Unit.id == Claim.unit_id)
            .where(Unit.batch == alert.batch, Claim.status.in_(FAILURE_STATUSES),
                   Claim.id.in_(lines))
            .order_by(Claim.failure_date.desc(), Claim.id.desc()))


def raised_by(run: AlertRun) -> list[BatchAlert]:
    """The alerts a run raised."""
    return list(db.session.scalars(
        sa.select(BatchAlert).where(BatchAlert.run_id == run.id)
        .options(selectinload(BatchAlert.part)).order_by(BatchAlert.id)))


def open_alerts_box() -> dict:
    """For the home pages: how many alerts are open (not yet acknowledged), and the newest."""
    count = db.session.scalar(sa.select(sa.func.count(BatchAlert.id))
                              .where(BatchAlert.status == AlertStatus.OPEN))
    newest = db.session.scalars(
        sa.select(BatchAlert).where(BatchAlert.status == AlertStatus.OPEN)
        .options(selectinload(BatchAlert.part))
        .order_by(BatchAlert.raised_at.desc(), BatchAlert.id.desc()).limit(1)).first()
    return {"open": count, "newest": newest}
