"""The v1 stocking-plan resources: a season's suggested quantities with their basis, the dealer's
plan, and submitting it in one call."""

import sqlalchemy as sa
from flask import g, jsonify, request

from portal.api.views import (
    ApiError,
    bp,
    json_body,
    rule_broken,
    text,
    token_required,
    whole_number,
)
from portal.catalog.models import Season
from portal.core.db import shanghai_today
from portal.core.errors import DomainError
from portal.core.versioning import api_version
from portal.dealers.models import Dealer
from portal.dealers.scope import visible_dealers
from portal.extensions import db
from portal.planning import services
from portal.planning.access import can_draft_plans
from portal.planning.models import StockingPlan
from portal.planning.scope import visible_plans
from portal.planning.suggestion import concerns, due_on, suggest

MAX_LINES = 2000


def _season(season_id: int) -> Season:
    season = db.session.get(Season, season_id)
    if season is None or not season.plan_required:
        raise ApiError(404, "not_found", "No season asking for stocking plans has this id.")
    return season


def _dealer() -> Dealer:
    """The caller's dealer; head office names one it may see with ?dealer=CODE."""
    user = g.api_user
    if can_draft_plans(user):
        return user.dealer
    code = request.args.get("dealer")
    if not code:
        raise ApiError(400, "bad_request", "dealer: the dealer's code is required", "dealer")
    dealer = db.session.scalar(visible_dealers(user).where(Dealer.code == code))
    if dealer is None:
        raise ApiError(404, "not_found", "No such dealer.", "dealer")
    return dealer


def _concerned(season: Season, dealer: Dealer) -> None:
    if not concerns(season, dealer):
        raise ApiError(404, "not_found",
                       f"No stocking plan is asked of {dealer.code} for this season.")


@bp.get("/stocking-plans/<id:season_id>/suggestion")
@token_required()
def plan_suggestion(season_id):
    """The suggested quantities for the dealer and season, each with its basis."""
    season, dealer = _season(season_id), _dealer()
    _concerned(season, dealer)
    suggestion = suggest(dealer, season, today=shanghai_today())
    return jsonify({
        "season": season.name, "dealer": dealer.code, "due_on": due_on(season).isoformat(),
        "working_units": suggestion.working_units, "units_basis": suggestion.units_basis,
        "lines": [{"part_number": line.part.part_number, "name": line.part.name,
                   "section": line.section.value, "suggested_qty": line.suggested_qty,
                   "basis": line.basis} for line in suggestion.lines]})


def plan_json(plan: StockingPlan) -> dict:
    approved = plan.status.value == "approved"
    return {
        "number": plan.number, "version": plan.version, "season": plan.season.name,
        "dealer": plan.dealer.code, "status": plan.status.value,
        "due_on": due_on(plan.season).isoformat(),
        "submitted_at": plan.submitted_at.isoformat() if plan.submitted_at else None,
        "late": plan.submitted_late, "returned_reason": plan.returned_reason,
        "note": plan.note, "working_units": plan.working_units,
        "total_amount": str(plan.total_amount),
        "approved_amount": str(plan.approved_amount) if plan.approved_amount is not None
        else None,
        "lines": [{"part_number": line.part.part_number, "name": line.part.name,
                   "section": line.section.value, "suggested_qty": line.suggested_qty,
                   "quantity": line.quantity,
                   "approved_qty": line.final_qty if approved else None,
                   "unit_price": str(line.unit_price)} for line in plan.lines]}


def _plan(season: Season, dealer: Dealer) -> StockingPlan | None:
    return db.session.scalar(visible_plans(g.api_user).where(
        StockingPlan.season_id == season.id, StockingPlan.dealer_id == dealer.id))


@bp.get("/stocking-plans/<id:season_id>")
@token_required()
def get_stocking_plan(season_id):
    """The dealer's plan for the season: status, late flag, lines."""
    plan = _plan(_season(season_id), _dealer())
    if plan is None:
        raise ApiError(404, "not_found", "No plan for this season yet.")
    return jsonify(plan_json(plan))


def _lines(data: dict) -> list[tuple[str, object]]:
    lines = data.get("lines", [])
    if not isinstance(lines, list) or len(lines) > MAX_LINES or not all(
            isinstance(line, dict) and isinstance(line.get("part_number"), str)
            for line in lines):
        raise ApiError(400, "bad_request",
                       'lines: a list of {"part_number": "...", "quantity": 3}', "lines")
    return [(line["part_number"], line.get("quantity")) for line in lines]


def _quantities(plan: StockingPlan, lines) -> tuple[dict, dict]:
    """{part id: quantity} for the plan's lines, and each part id's field in the body."""
    parts = {line.part.part_number: line.part_id for line in plan.lines}
    quantities, fields = {}, {}
    for index, (number, quantity) in enumerate(lines):
        if number not in parts:
            raise ApiError(422, "rule_violated", f"{number} is not a part of this plan.",
                           f"lines[{index}].part_number")
        if (whole := whole_number(quantity)) is None:
            raise ApiError(400, "bad_request", "quantity: a whole number is required",
                           f"lines[{index}].quantity")
        quantities[parts[number]] = whole
        fields[f"qty-{parts[number]}"] = f"lines[{index}].quantity"
    return quantities, fields


@bp.post("/stocking-plans/<id:season_id>")
@token_required(can_draft_plans)
def submit_stocking_plan(season_id):
    """Submit the dealer's plan: open it if needed, set the quantities listed (the rest keep
    the suggestion), submit; all or nothing."""
    season, dealer = _season(season_id), g.api_user.dealer
    data = json_body()
    note = text(data, "note", services.TEXT_MAX, required=False)
    lines = _lines(data)
    fields = {}
    try:
        plan = services.open_plan(dealer, season, actor=g.api_user)
        quantities, fields = _quantities(plan, lines)
        services.save_and_submit(plan, quantities, note or None, actor=g.api_user,
                                 version=api_version(data))
        db.session.commit()
    except DomainError as error:
        error.field = fields.get(error.field, error.field)
        raise rule_broken(error) from None
    db.session.expire_all()
    return jsonify(plan_json(db.session.scalar(
        sa.select(StockingPlan).where(StockingPlan.id == plan.id))))
