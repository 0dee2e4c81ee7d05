"""Early warning: is a key part failing significantly more often in one production batch?

For each key part and each production batch of units the part fits, the batch's failures of
the part are compared with what the other batches showed at the same age, and all the pairs
of one check together are held to the policy's false alert rate (``portal.quality.stats``
says how; ``portal.quality.counting`` counts). A pair is flagged when it is among the check's
discoveries and its failures reach the policy's minimum. The check raises an alert for a
flagged pair that has none open, refreshes the alerts not closed, and closes those nobody has
acknowledged yet whose batch no longer stands out (a person who acknowledged one decides).
"""

from collections import namedtuple
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.catalog.models import Part, PolicySettings, part_models
from portal.claims.models import Claim, ClaimLine
from portal.core import audit
from portal.core.db import SHANGHAI, utcnow
from portal.core.errors import DomainError
from portal.core.pagination import decode_cursor, encode_cursor
from portal.core.queues import TILE_CAP
from portal.dealers.models import Dealer
from portal.extensions import db
from portal.quality import counting, stats
from portal.quality.access import can_act_on_alerts
from portal.quality.counting import failure_lines, in_force, key_part_ids
from portal.quality.models import (
    OPEN_ALERT,
    AlertRun,
    AlertStatus,
    BatchAlert,
    BatchExposure,
    CloseReason,
)
from portal.quality.stats import BatchFigures
from portal.units.cards import WarrantyCard
from portal.units.models import Unit

DEFAULT_FALSE_RATE, DEFAULT_LEAST = 0.05, 3


def thresholds() -> tuple[float, int]:
    """(false alert rate, minimum failures) from the policy; its defaults before it is saved."""
    policy = PolicySettings.current()
    rate, least = policy.alert_false_rate, policy.alert_min_failures
    return (DEFAULT_FALSE_RATE if rate is None else float(rate),
            DEFAULT_LEAST if least is None else least)


def batch_figures(as_of: date, part_ids=None) -> list[BatchFigures]:
    """The figures of every (key part, batch) pair with units in service and something to
    compare with."""
    part_ids = key_part_ids() if part_ids is None else list(part_ids)
    return stats.figures_of(counting.count(as_of, part_ids))


def last_checked(part_id: int) -> list[BatchFigures] | None:
    """The part's pairs as the last check figured them, without age bands (None: not
    checked)."""
    e = BatchExposure
    rows = db.session.execute(sa.select(e.part_id, e.batch, e.failures, e.units, e.unit_days,
                                        e.expected, e.p_value).where(e.part_id == part_id)).all()
    if not rows:
        return None
    return [BatchFigures(*r[:5], float(r.expected), float(r.p_value)) for r in rows]


def _keep_figures(figures: list[BatchFigures]) -> None:
    """Replace the last check's figures (``last_checked``) with these."""
    db.session.execute(sa.delete(BatchExposure))
    rows = [{"part_id": f.part_id, "batch": f.batch, "units": f.units,
             "unit_days": f.unit_days, "failures": f.failures,
             "expected": Decimal(f"{f.expected:.4f}"), "p_value": Decimal(f"{f.p_value:.12f}")}
            for f in figures]
    if rows:
        db.session.execute(sa.insert(BatchExposure), rows)


def check(*, actor=None, now: datetime | None = None) -> AlertRun:
    """Run the early-warning check in the caller's transaction and record the run.

    Raises an alert for each flagged (key part, batch) pair that has none open; refreshes the
    figures of the alerts not closed; closes, as the system, an alert still open (nobody has
    acknowledged it) whose pair is no longer flagged, saying why. A pair whose last alert was
    closed is raised again only when its failures grew since it was closed, so closing an
    alert is not undone by the next run on the same evidence. Without ``actor`` the run counts
    as the scheduled one."""
    started = now or utcnow()
    rate, least = thresholds()
    run = AlertRun(started_at=started, started_by=actor, scheduled=actor is None,
                   pairs_checked=0, alerts_raised=0, alerts_updated=0, alerts_closed=0,
                   false_alert_rate=Decimal(str(rate)), min_failures=least)
    db.session.add(run)
    figures = batch_figures(started.astimezone(SHANGHAI).date())
    limit, hits = stats.flagged(figures, rate, least)
    run.pairs_checked, run.p_cutoff = len(figures), Decimal(f"{limit:.12f}")
    _keep_figures(figures)
    who = actor if actor is not None else audit.SYSTEM
    _act_on(run, figures, hits, started, who)
    run.finished_at = started if now else utcnow()
    audit.record("run_alert_check", run, actor=who, reason=_(
        "%(pairs)d (part, batch) pairs checked, %(raised)d alerts raised, %(updated)d updated, "
        "%(closed)d closed", pairs=run.pairs_checked, raised=run.alerts_raised,
        updated=run.alerts_updated, closed=run.alerts_closed))
    return run


def _act_on(run: AlertRun, figures, hits: set, now: datetime, who) -> None:
    """Raise, refresh and close alerts as the run's flagged pairs (``hits``) say."""
    open_alerts = {(a.part_id, a.batch): a for a in db.session.scalars(
        sa.select(BatchAlert).where(BatchAlert.status.in_(OPEN_ALERT)))}
    closed = _last_closed_failures()
    for fig in figures:
        key = (fig.part_id, fig.batch)
        alert = open_alerts.get(key)
        if alert is not None:
            _refresh(alert, fig, run, now)
            if key in hits or alert.status != AlertStatus.OPEN:
                run.alerts_updated += 1
            else:
                _close_by_check(alert, now)
                run.alerts_closed += 1
        elif key in hits and fig.failures > closed.get(key, -1):
            _raise(fig, run, now, who)
            run.alerts_raised += 1


def _last_closed_failures() -> dict[tuple[int, str], int]:
    """(part, batch) -> failures of the pair's most recently closed alert."""
    rows = db.session.execute(
        sa.select(BatchAlert.part_id, BatchAlert.batch, BatchAlert.failures)
        .where(BatchAlert.status == AlertStatus.CLOSED).order_by(BatchAlert.closed_at,
                                                                 BatchAlert.id))
    return {(part_id, batch): count for part_id, batch, count in rows}


def _numbers(fig: BatchFigures, run: AlertRun) -> dict:
    return {"failures": fig.failures, "units": fig.units, "unit_days": fig.unit_days,
            "expected": Decimal(f"{fig.expected:.4f}"),
            "baseline_rate": Decimal(f"{fig.reference_rate:.10f}"),
            "p_value": Decimal(f"{fig.p_value:.12f}"),
            "bands": [band.as_dict() for band in fig.bands], "checked_run": run}


def _refresh(alert: BatchAlert, fig: BatchFigures, run: AlertRun, now: datetime) -> None:
    for name, value in _numbers(fig, run).items():
        if getattr(alert, name) != value:
            setattr(alert, name, value)
    alert.checked_at = now


def _close_by_check(alert: BatchAlert, now: datetime) -> None:
    """The check's own close: nobody acknowledged the alert and its batch no longer stands
    out; the reason is kept as a code, shown in the reader's language."""
    from_state = alert.status
    alert.status, alert.closed_at = AlertStatus.CLOSED, now
    alert.close_reason = CloseReason.NO_LONGER_STANDS_OUT
    audit.record("close", alert, actor=audit.SYSTEM, from_state=from_state,
                 to_state=AlertStatus.CLOSED,
                 changes={"close_reason": (None, CloseReason.NO_LONGER_STANDS_OUT)})


def _raise(fig: BatchFigures, run: AlertRun, now: datetime, who) -> BatchAlert:
    alert = BatchAlert(part_id=fig.part_id, batch=fig.batch, status=AlertStatus.OPEN,
                       raised_at=now, checked_at=now, run=run, **_numbers(fig, run))
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
    return (stmt.where(Unit.batch == alert.batch, Unit.model_id.in_(fits),
                       Unit.dealer_id.is_not(None)), in_force())


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


@dataclass
class RiskPage:
    """Some dealers' ``DealerCount`` (code order) and where the next start; of the first page,
    also the totals over every dealer."""

    rows: list[DealerCount]
    next_cursor: str | None
    dealers: int = 0
    sold: int = 0
    unsold: int = 0


def risk_counts(alert: BatchAlert, units_stmt=None, *, after: str | None = None,
                size: int | None = None) -> RiskPage:
    """``units_at_risk`` counted per dealer (code order), in one grouped query: ``size`` dealers
    (all without) after the cursor ``after``; the first page also totals every dealer."""
    stmt, in_force = _batch_units(alert, units_stmt)
    sold, units = sa.func.count(WarrantyCard.id), sa.func.count()
    stmt = (stmt.with_only_columns(Dealer.id, Dealer.code, Dealer.name, sold, units,
                                   units.over(), sa.func.sum(sold).over(),
                                   sa.func.sum(units).over(), maintain_column_froms=True)
            .join(Dealer, Dealer.id == Unit.dealer_id).outerjoin(WarrantyCard, in_force)
            .group_by(Dealer.id, Dealer.code, Dealer.name).order_by(Dealer.code))
    start = decode_cursor(after)
    if start is not None and isinstance(start[0], str):
        stmt = stmt.where(Dealer.code > start[0])
    rows = db.session.execute(stmt.limit(None if size is None else size + 1)).all()
    shown = rows if size is None else rows[:size]
    page = RiskPage([DealerCount(DealerName(*row[:3]), row[3], row[4] - row[3]) for row in shown],
                    encode_cursor([shown[-1][1], shown[-1][0]]) if len(rows) > len(shown)
                    else None)
    if rows and start is None:  # the window's totals are of every dealer the WHERE keeps
        page.dealers, page.sold = rows[0][5], int(rows[0][6])
        page.unsold = int(rows[0][7]) - page.sold
    return page


def claims_behind(alert: BatchAlert, claims_stmt=None):
    """A SELECT of the failures counted for the alert: claims with the part on units of the
    batch (``claims_stmt`` narrows them to a user's scope), newest failure first."""
    stmt = claims_stmt if claims_stmt is not None else sa.select(Claim)
    # EXISTS, not IN: the batch's claims are looked at line by line, not every line of the
    # part in the network (a third of the time on the bench data).
    lines = sa.exists().where(ClaimLine.claim_id == Claim.id, *failure_lines([alert.part_id]))
    return (stmt.join(Unit, Unit.id == Claim.unit_id).join(WarrantyCard, in_force())
            .where(Unit.batch == alert.batch, lines)
            .order_by(Claim.failure_date.desc(), Claim.id.desc()))


def raised_by(run: AlertRun) -> list[BatchAlert]:
    """The alerts a run raised."""
    return list(db.session.scalars(
        sa.select(BatchAlert).where(BatchAlert.run_id == run.id)
        .options(selectinload(BatchAlert.part)).order_by(BatchAlert.id)))


def open_alerts_box() -> dict:
    """For the home pages: how many alerts are open (not yet acknowledged; counted up to
    ``TILE_CAP``, ``more`` past it, as the other tiles: the list has them all), and the newest
    (its id, part number and name, batch, raised at), in one statement of plain rows."""
    is_open = BatchAlert.status == AlertStatus.OPEN
    counted = sa.select(BatchAlert.id).where(is_open).limit(TILE_CAP + 1).subquery()
    count = sa.select(sa.func.count()).select_from(counted).scalar_subquery()
    newest = db.session.execute(
        sa.select(BatchAlert.id, Part.part_number, Part.name.label("part_name"), BatchAlert.batch,
                  BatchAlert.raised_at, count.label("open"))
        .join(Part, Part.id == BatchAlert.part_id).where(is_open)
        .order_by(BatchAlert.raised_at.desc(), BatchAlert.id.desc()).limit(1)).first()
    found = newest.open if newest else 0
    return {"open": min(found, TILE_CAP), "more": found > TILE_CAP, "newest": newest}
