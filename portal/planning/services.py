"""What happens to a stocking plan: the dealer opens it from the suggestion, changes and submits
it; its rep, a clerk or the administrator approves it (a changed quantity needs a reason) or
sends it back.

draft → submitted (by the dealer; late after the due date) · submitted → draft (sent back with
a reason) · submitted → approved (final; it exports as a parts order). Each call is one
transaction and records every state change in the audit trail; the plan's version guards
against two people at once.
"""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import flag_modified

from portal.core import audit
from portal.core.db import SHANGHAI, money, utcnow
from portal.core.errors import DomainError
from portal.core.versioning import LATEST, check_version
from portal.extensions import db
from portal.planning.access import can_plan_for, can_review_plans_of
from portal.planning.models import PlanSection, PlanStatus, StockingPlan, StockingPlanLine
from portal.planning.reality import last_season_basis
from portal.planning.suggestion import concerns, due_on, suggest

QTY_MAX = 9999
TEXT_MAX = 2000
SECTION_ORDER = {PlanSection.WARRANTY: 0, PlanSection.WEAR: 1}


class WrongState(DomainError):
    """The plan is not in a state that allows this (the API answers 409)."""

    conflict = True


def _today(now: datetime | None) -> date:
    return (now or utcnow()).astimezone(SHANGHAI).date()


def _require_status(plan: StockingPlan, status: PlanStatus, message: str) -> None:
    if plan.status != status:
        raise WrongState(message)


def _require_planner(plan: StockingPlan, actor) -> None:
    if not can_plan_for(plan.dealer_id, actor):
        raise DomainError(_("Only the dealer's own staff can change and submit its plan."))


def _require_reviewer(plan: StockingPlan, actor) -> None:
    if not can_review_plans_of(plan.dealer, actor):
        raise DomainError(_("Only the dealer's sales rep, a sales clerk or the administrator "
                            "can review its plan."))


def _text(value: str | None, field: str) -> str:
    value = (value or "").strip()
    if len(value) > TEXT_MAX:
        raise DomainError(_("At most %(n)d characters.", n=TEXT_MAX), field=field)
    return value


def whole_quantity(value, field: str) -> int:
    """A quantity as typed: a whole number from 0 to 9999, or a message next to ``field``."""
    text = str(value if value is not None else "").strip()
    if not text.isdigit() or int(text) > QTY_MAX:
        raise DomainError(_("Enter a whole number from 0 to %(max)d.", max=QTY_MAX), field=field)
    return int(text)


def _sort_lines(plan: StockingPlan) -> None:
    """Warranty parts first, then wear parts, each by part number."""
    ordered = sorted(plan.lines, key=lambda line: (SECTION_ORDER[line.section],
                                                   line.part.part_number))
    for position, line in enumerate(ordered, start=1):
        line.position = position


def _total(plan: StockingPlan) -> Decimal:
    return money(sum((line.quantity * line.unit_price for line in plan.lines), Decimal(0)))


def _touch(plan: StockingPlan) -> None:
    """Mark the plan row changed, so its version moves with any change to its lines."""
    flag_modified(plan, "total_amount")


def _suggestion(dealer, season, today: date):
    """The suggestion, each line's basis also keeping what the dealer planned, bought and used
    of its part last season: the plan shows it beside the suggestion as it was when worked out,
    and does not read the dealer's claims and deliveries again on every view."""
    suggestion = suggest(dealer, season, today=today)
    last = last_season_basis(dealer, season, [line.part.id for line in suggestion.lines])
    for line in suggestion.lines:
        line.basis = {**line.basis, "last": last[line.part.id]}
    return suggestion


def keep_last_season(plan: StockingPlan) -> int:
    """Keep last season's figures in the basis of the plan's lines suggested before the basis
    kept them (as of now: the page showed them so); returns how many lines got them."""
    missing = [line for line in plan.lines if line.basis and "last" not in line.basis]
    if missing:
        last = last_season_basis(plan.dealer, plan.season, [line.part_id for line in missing])
        for line in missing:
            line.basis = {**line.basis, "last": last[line.part_id]}
    return len(missing)


def open_plan(dealer, season, *, actor, now: datetime | None = None) -> StockingPlan:
    """The dealer's plan for the season: the existing one, or a new draft from the suggestion."""
    if not can_plan_for(dealer.id, actor):
        raise DomainError(_("Only the dealer's own staff can open its plan."))
    plan = db.session.scalar(sa.select(StockingPlan).where(
        StockingPlan.season_id == season.id, StockingPlan.dealer_id == dealer.id))
    if plan is not None:
        return plan
    today = _today(now)
    if not concerns(season, dealer):
        raise DomainError(_("No stocking plan is asked of you for %(season)s.",
                            season=season.name))
    if season.end_on < today:
        raise DomainError(_("%(season)s is over; its plan can no longer be opened.",
                            season=season.name))
    suggestion = _suggestion(dealer, season, today)
    plan = StockingPlan(season=season, dealer=dealer, status=PlanStatus.DRAFT,
                        working_units=suggestion.working_units,
                        suggested_at=now or utcnow(), created_by_id=actor.id)
    for suggested in suggestion.lines:
        plan.lines.append(StockingPlanLine(
            part=suggested.part, section=suggested.section,
            suggested_qty=suggested.suggested_qty, basis=suggested.basis,
            quantity=suggested.suggested_qty, unit_price=suggested.part.price))
    _sort_lines(plan)
    plan.total_amount = _total(plan)
    db.session.add(plan)
    audit.record("create", plan, actor=actor, to_state=PlanStatus.DRAFT,
                 changes={"working_units": (None, plan.working_units),
                          "total_amount": (None, plan.total_amount)})
    return plan


def refresh_suggestions(plan: StockingPlan, *, actor, version,
                        now: datetime | None = None) -> StockingPlan:
    """Work the suggestion out again: lines the dealer kept follow it, changed ones stay."""
    _require_planner(plan, actor)
    _require_status(plan, PlanStatus.DRAFT, _("Only a draft plan can be recalculated."))
    check_version(plan, version)
    suggestion = _suggestion(plan.dealer, plan.season, _today(now))
    lines = {line.part_id: line for line in plan.lines}
    added = followed = 0
    for suggested in suggestion.lines:
        line = lines.get(suggested.part.id)
        if line is None:
            plan.lines.append(StockingPlanLine(
                part=suggested.part, section=suggested.section,
                suggested_qty=suggested.suggested_qty, basis=suggested.basis,
                quantity=suggested.suggested_qty, unit_price=suggested.part.price))
            added += 1
            continue
        if not line.overridden and line.quantity != suggested.suggested_qty:
            line.quantity = suggested.suggested_qty
            followed += 1
        line.suggested_qty, line.basis = suggested.suggested_qty, suggested.basis
    _sort_lines(plan)
    changes = audit.apply_changes(plan, {"working_units": suggestion.working_units,
                                         "total_amount": _total(plan)})
    plan.suggested_at = now or utcnow()
    audit.record("refresh_suggestions", plan, actor=actor, changes={
        **changes, "lines_added": (None, added), "lines_followed": (None, followed)})
    return plan


def save_plan(plan: StockingPlan, quantities: dict, note: str | None, *, actor,
              version) -> StockingPlan:
    """Keep the dealer's quantities (part id → whole number) and note on the draft."""
    _require_planner(plan, actor)
    _require_status(plan, PlanStatus.DRAFT, _("Only a draft plan can be changed."))
    check_version(plan, version)
    lines = {line.part_id: line for line in plan.lines}
    wanted = {part_id: whole_quantity(value, f"qty-{part_id}")
              for part_id, value in quantities.items() if part_id in lines}
    note = _text(note, "note") if note is not None else plan.note
    changes = {lines[p].part.part_number: (lines[p].quantity, q)
               for p, q in wanted.items() if lines[p].quantity != q}
    for part_id, quantity in wanted.items():
        lines[part_id].quantity = quantity
    changes.update(audit.apply_changes(plan, {"note": note, "total_amount": _total(plan)}))
    if changes:
        _touch(plan)
        audit.record("update", plan, actor=actor, changes=changes)
    return plan


def submit_plan(plan: StockingPlan, *, actor, version,
                now: datetime | None = None) -> StockingPlan:
    """Send the draft for review; late when the Shanghai date is past the due date.

    A plan sent back and submitted again keeps its first submission and whether that was late:
    the dealer met (or missed) the deadline the first time.
    """
    _require_planner(plan, actor)
    _require_status(plan, PlanStatus.DRAFT, _("Only a draft plan can be submitted."))
    check_version(plan, version)
    if all(line.quantity == 0 for line in plan.lines) and not plan.note.strip():
        raise DomainError(_("Every quantity is 0: say in the note why you stock nothing."),
                          field="note")
    now = now or utcnow()
    if plan.submitted_at is None:
        plan.submitted_at, plan.submitted_by_id = now, actor.id
        plan.submitted_late = _today(now) > due_on(plan.season)
    plan.status, plan.returned_reason = PlanStatus.SUBMITTED, ""
    audit.record("submit", plan, actor=actor, from_state=PlanStatus.DRAFT,
                 to_state=PlanStatus.SUBMITTED,
                 reason=_("Late: due on %(due)s.", due=due_on(plan.season).isoformat())
                 if plan.submitted_late else "")
    return plan


def save_and_submit(plan: StockingPlan, quantities: dict, note: str | None, *, actor,
                    version, now: datetime | None = None) -> StockingPlan:
    """Save what the dealer typed and submit it, in one step."""
    save_plan(plan, quantities, note, actor=actor, version=version)
    db.session.flush()
    return submit_plan(plan, actor=actor, version=LATEST, now=now)


def return_plan(plan: StockingPlan, reason: str | None, *, actor,
                version) -> StockingPlan:
    """Send the submitted plan back to the dealer's draft, saying what to change."""
    _require_reviewer(plan, actor)
    _require_status(plan, PlanStatus.SUBMITTED, _("Only a submitted plan can be sent back."))
    check_version(plan, version)
    reason = _text(reason, "reason")
    if not reason:
        raise DomainError(_("Tell the dealer what to change."), field="reason")
    plan.status, plan.returned_reason = PlanStatus.DRAFT, reason
    audit.record("send_back", plan, actor=actor, from_state=PlanStatus.SUBMITTED,
                 to_state=PlanStatus.DRAFT, reason=reason)
    return plan


def approve_plan(plan: StockingPlan, adjustments: dict, reasons: dict, note: str | None, *,
                 actor, version, now: datetime | None = None) -> StockingPlan:
    """Approve the plan; a quantity other than the dealer's (line id → number) needs a reason."""
    _require_reviewer(plan, actor)
    _require_status(plan, PlanStatus.SUBMITTED, _("Only a submitted plan can be approved."))
    check_version(plan, version)
    note = _text(note, "note")
    changes = {}
    for line in plan.lines:
        value = adjustments.get(line.id)
        field = f"line-{line.id}"
        approved = line.quantity if value in (None, "") else whole_quantity(value, field)
        reason = _text(reasons.get(line.id), field)
        if approved != line.quantity and not reason:
            raise DomainError(_("Say why %(part)s differs from the dealer's %(qty)d.",
                                part=line.part.part_number, qty=line.quantity), field=field)
        changed = approved != line.quantity
        line.approved_qty = approved if changed else None
        line.adjust_reason = reason if changed else ""
        if changed:
            changes[line.part.part_number] = (line.quantity, approved)
    plan.approved_amount = money(sum((line.final_qty * line.unit_price for line in plan.lines),
                                     Decimal(0)))
    plan.status, plan.review_note = PlanStatus.APPROVED, note
    plan.reviewed_at, plan.reviewed_by_id = now or utcnow(), actor.id
    audit.record("approve", plan, actor=actor, from_state=PlanStatus.SUBMITTED,
                 to_state=PlanStatus.APPROVED, reason=note,
                 changes={**changes, "approved_amount": (None, plan.approved_amount)})
    return plan
