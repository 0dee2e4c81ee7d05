"""The buyer's entitlements beyond a free repair, as the 2010
《农业机械产品修理、更换、退货责任规定》 states them; the rules raise them on the unit,
people decide (the exchange and refund case).

- "The same problem" is the same fault code; its severity (serious | general) is the
  regulation's 严重 / 一般质量问题 (portal/catalog/models.py ``FaultSeverity``).
- 第二十九条: within the 三包 period the same **serious** problem back after two repairs (the third
  failure), or within 30 days of the start of the first operating season the same **general**
  problem, not of a wear part, back after two repairs → the buyer may have the main part or
  system replaced (``replace_part``).
- 第三十条: the same problem back after that replacement → an exchange of the machine; back again
  after the exchange → a refund.
- 第二十八条: a repair not finished within 30 working days of hand-in → the buyer may choose an
  exchange; raised on the day it passes, also while the repair is still open (``flask
  entitlements raise``, run daily by cron, and on submission).
- Where an exchange is due but no machine of the same model and specification exists, a person
  states it and the buyer is entitled to a refund (``portal.service.entitlements``).

A repair counts when it is a warranty repair: submitted, not rejected outright, with a line the
warranty covers (as the clocks count them, ``portal.claims.repairs.EXTENDING``). Raising is
idempotent: an entitlement already raised for the same fault (or the same overdue repair) is
not raised again.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.catalog.models import FaultSeverity, PartKind, Season, SeasonKind
from portal.claims.models import (
    Claim,
    ClaimStatus,
    FlagKind,
    FlagRule,
    LineKind,
    UnitFlag,
)
from portal.claims.repairs import EXTENDING, is_warranty_repair
from portal.core import audit
from portal.core.db import SHANGHAI, utcnow
from portal.extensions import db
from portal.units.calendar import working_days_between

REPAIRS_BEFORE_REPLACEMENT = 2  # 累计修理2次后仍出现: the third failure raises
FIRST_SEASON_DAYS = 30  # 第一个作业季开始30日内 (the start day not counted)
EXCHANGE_AFTER_WORKING_DAYS = 30  # 自送修之日起超过30个工作日未修好
# A repair still open (no completion day) may become overdue: drafts and filed records.
OPEN_REPAIR = (ClaimStatus.DRAFT, *EXTENDING)


@dataclass(frozen=True)
class Raise:
    """An entitlement the rules see: what, why (the rule and its figures), for which fault."""

    kind: FlagKind
    rule: FlagRule
    detail: str
    part_id: int | None = None


# ---------------------------------------------------------------- pure rules


def first_season_window(bought_on: date, seasons, category, province: str):
    """第二十九条's window: from the start of the first operating season that covers the unit and
    has not ended when it was bought, to 30 days after that start; None without one."""
    for season in sorted(seasons, key=lambda s: (s.start_on, s.id or 0)):
        if season.end_on >= bought_on and season.covers(category, province):
            return season.start_on, season.start_on + timedelta(days=FIRST_SEASON_DAYS)
    return None


def overdue(handed_in: date, until: date) -> int | None:
    """The working days a repair took from hand-in to ``until``, when past the limit."""
    days = working_days_between(handed_in, until)
    return days if days > EXCHANGE_AFTER_WORKING_DAYS else None


def replacement_due(severity: FaultSeverity, failures: list[date], window, wear_only: bool):
    """Which 第二十九条 rule the failures of one fault meet (the current one last), if any."""
    if len(failures) <= REPAIRS_BEFORE_REPLACEMENT:
        return None
    if severity == FaultSeverity.SERIOUS:
        return FlagRule.SERIOUS_REPEAT
    counted = failures[-(REPAIRS_BEFORE_REPLACEMENT + 1):]
    if window and not wear_only and all(window[0] <= day <= window[1] for day in counted):
        return FlagRule.FIRST_SEASON_REPEAT
    return None


# ---------------------------------------------------------------- reading the unit's records


def _earlier_failures(claim: Claim) -> list[date]:
    """Failure days of the unit's earlier warranty repairs of the same fault, oldest first."""
    return list(db.session.scalars(
        sa.select(Claim.failure_date)
        .where(Claim.unit_id == claim.unit_id, Claim.id != claim.id,
               Claim.fault_code_id == claim.fault_code_id, is_warranty_repair(),
               Claim.failure_date <= claim.failure_date)
        .order_by(Claim.failure_date, Claim.id)))


def _window(claim: Claim):
    card = claim.unit.card
    if card is None:
        return None
    seasons = db.session.scalars(sa.select(Season).where(Season.kind == SeasonKind.OPERATING))
    province = card.province or (claim.dealer.province if claim.dealer else "")
    return first_season_window(card.invoice_date or card.sale_date, seasons,
                               claim.unit.model.category, province)


def _covered(claim: Claim) -> bool:
    return any(line.covered and not line.paid_service for line in claim.lines)


def _parts(claim: Claim):
    return [line.part for line in claim.lines if line.kind == LineKind.PART]


def _main_part_id(claim: Claim) -> int | None:
    return next((p.id for p in _parts(claim) if p.kind == PartKind.MAIN), None)


def _wear_only(claim: Claim) -> bool:
    parts = _parts(claim)
    return bool(parts) and all(p.kind == PartKind.WEAR for p in parts)


def _day(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


# ---------------------------------------------------------------- the rules on a repair


def repeat_entitlement(claim: Claim, flags: list[UnitFlag]) -> Raise | None:
    """The fault of a covered repair back again: refund after an exchange, exchange after a
    replacement, or a replacement (第二十九条, 第三十条)."""
    fault = claim.fault_code
    if fault is None or not _covered(claim):
        return None
    same = [f for f in flags if f.fault_code_id == fault.id]
    if _exchanged_for(claim) and not any(f.kind == FlagKind.REFUND for f in same):
        return Raise(FlagKind.REFUND, FlagRule.AFTER_EXCHANGE, _(
            "%(fault)s back on the machine received in exchange for it.", fault=fault.code))
    replaced = [f for f in same if f.kind == FlagKind.REPLACE_PART]
    if replaced:
        done = [f for f in replaced if f.resolved_at and _day(f.resolved_at) <= claim.failure_date]
        if done and not any(f.kind == FlagKind.EXCHANGE for f in same):
            return Raise(FlagKind.EXCHANGE, FlagRule.AFTER_REPLACEMENT, _(
                "%(fault)s back on %(day)s after the replacement of %(done)s.", fault=fault.code,
                day=claim.failure_date.isoformat(), done=_day(done[0].resolved_at).isoformat()))
        return None  # the replacement is still to be done: this is one more repair
    failures = [*_earlier_failures(claim), claim.failure_date]
    rule = replacement_due(fault.severity, failures, _window(claim), _wear_only(claim))
    if rule is None:
        return None
    return Raise(FlagKind.REPLACE_PART, rule, _(
        "%(fault)s (%(severity)s) failed %(n)d times: %(days)s.", fault=fault.code,
        severity=fault.severity.title, n=len(failures),
        days=", ".join(d.isoformat() for d in failures)), _main_part_id(claim))


def _exchanged_for(claim: Claim) -> bool:
    """Whether the unit was given to the buyer in an exchange made for this fault."""
    return db.session.scalar(sa.select(sa.exists().where(
        UnitFlag.replacement_unit_id == claim.unit_id, UnitFlag.kind == FlagKind.EXCHANGE,
        UnitFlag.fault_code_id == claim.fault_code_id)))


def overdue_entitlement(claim: Claim, flags: list[UnitFlag], today: date) -> Raise | None:
    """第二十八条: the repair has taken more than 30 working days from hand-in (still open:
    until today)."""
    if claim.handed_in_on is None or claim.status not in OPEN_REPAIR:
        return None
    if any(f.claim_id == claim.id and f.rule == FlagRule.REPAIR_OVERDUE for f in flags):
        return None
    days = overdue(claim.handed_in_on, claim.completed_on or today)
    if days is None or (claim.lines and not _covered(claim)):
        return None
    return Raise(FlagKind.EXCHANGE, FlagRule.REPAIR_OVERDUE, _(
        "Handed in on %(day)s: %(days)d working days without being repaired (limit %(limit)d).",
        day=claim.handed_in_on.isoformat(), days=days, limit=EXCHANGE_AFTER_WORKING_DAYS))


# ---------------------------------------------------------------- raising


def _flags_of(*unit_ids: int) -> dict[int, list[UnitFlag]]:
    """The units' entitlements, open or resolved, by unit (one query)."""
    found = {unit_id: [] for unit_id in unit_ids}
    for flag in db.session.scalars(sa.select(UnitFlag).where(UnitFlag.unit_id.in_(unit_ids))):
        found[flag.unit_id].append(flag)
    return found


def raise_flag(claim: Claim, found: Raise, *, today: date, now: datetime | None = None
               ) -> UnitFlag:
    """Record an entitlement on the claim's unit, raised on ``today``, with the audit entry."""
    flag = UnitFlag(unit_id=claim.unit_id, kind=found.kind, rule=found.rule,
                    part_id=found.part_id, fault_code_id=claim.fault_code_id,
                    claim_id=claim.id, detail=found.detail, raised_on=today,
                    raised_at=now or utcnow())
    db.session.add(flag)
    audit.record("raise_flag", claim.unit, actor=audit.SYSTEM, to_state=found.kind,
                 reason=f"{found.rule.title}: {found.detail}")
    return flag


def raise_on_submission(claim: Claim, *, today: date, now: datetime | None = None
                        ) -> list[UnitFlag]:
    """What filing a repair record entitles the buyer to (called by ``workflow.claims.submit``)."""
    flags = _flags_of(claim.unit_id)[claim.unit_id]
    found = [r for r in (repeat_entitlement(claim, flags),
                         overdue_entitlement(claim, flags, today)) if r]
    return [raise_flag(claim, r, today=today, now=now) for r in found]


def raise_overdue_repairs(today: date) -> list[UnitFlag]:
    """第二十八条 on every open repair on the day its 30 working days pass (the daily command);
    run twice on one day, the second run raises nothing."""
    # More than 30 working days means more than 30 calendar days: read only those repairs.
    open_repairs = db.session.scalars(
        sa.select(Claim).where(Claim.status.in_(OPEN_REPAIR), Claim.completed_on.is_(None),
                               Claim.handed_in_on < today - timedelta(
                                   days=EXCHANGE_AFTER_WORKING_DAYS))
        .options(selectinload(Claim.lines)).order_by(Claim.id)).all()
    flags = _flags_of(*{claim.unit_id for claim in open_repairs})
    raised = []
    for claim in open_repairs:
        found = overdue_entitlement(claim, flags[claim.unit_id], today)
        if found:
            raised.append(raise_flag(claim, found, today=today))
    return raised

