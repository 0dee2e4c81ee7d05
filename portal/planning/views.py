"""Stocking plan pages: the dealer's seasons or head office's season overview, the plan with its
suggestions, what the dealer (save, refresh, submit) and the reviewer (approve, send back) do
with it, and the approved plan's parts order as Excel and PDF.

Every change is a boosted form: success redirects back to the plan (303); refusal re-renders it
with the message next to the field or line and status 422.
"""


from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.roles import signed_in
from portal.catalog.models import Season
from portal.core import audit
from portal.core.actions import back_with_errors, errors_by_line, form_action
from portal.core.db import shanghai_today, utcnow
from portal.core.downloads import download
from portal.core.htmx import render, wants_fragment
from portal.core.pagination import queue_page
from portal.core.permissions import requires
from portal.extensions import db
from portal.planning import access, order, services
from portal.planning.basis import explain
from portal.planning.blueprint import bp
from portal.planning.forms import OpenForm, PlanForm, ReviewForm, SendBackForm, Versioned
from portal.planning.models import PlanSection, PlanStatus
from portal.planning.queues import TO_REVIEW, listed, searched_plans
from portal.planning.reality import last_season_basis
from portal.planning.scope import get_plan, lines_page
from portal.planning.suggestion import due_on, working_units

planners = requires(access.can_draft_plans)
reviewers = requires(access.can_review_plans)


@bp.route("/review")
@reviewers
def review_queue():
    """Submitted plans waiting for review, the longest waiting first; found by reference or
    dealer."""
    q = request.args.get("q", "").strip()
    stmt = listed(searched_plans(TO_REVIEW.select(current_user, utcnow()), q))
    page = queue_page(stmt, TO_REVIEW)
    return render("planning/review_queue.html", "planning/_review_rows.html", page=page, q=q)


@bp.route("/open/<id:season_id>", methods=["POST"])
@planners
def open_plan(season_id):
    """Open the dealer's plan for the season (a new draft from the suggestion), then show it."""
    season = db.session.get(Season, season_id) or abort(404)
    form = OpenForm()
    return form_action(form, lambda: services.open_plan(current_user.dealer, season,
                                                        actor=current_user),
                       done=lambda plan: url_for("planning.detail", plan_id=plan.id),
                       again=back_with_errors(url_for("planning.index")))


def _units_now(plan):
    """How the working units are counted now (a draft follows the catalogue and the cards):
    read from every card and unit of the dealer, so only when the dealer asks for it."""
    if plan.status != PlanStatus.DRAFT:
        return None
    counts = working_units(plan.dealer, plan.season).values()
    return {"sold": sum(s for s, _k in counts), "in_stock": sum(k for _s, k in counts)}


def _last_seasons(plan, lines) -> dict:
    """{part id: what last season planned, bought and used of it}: kept in each line's basis
    when the suggestion was worked out; worked out now for lines suggested before it was kept."""
    kept = {line.part_id: line.basis["last"] for line in lines if "last" in line.basis}
    missing = [line.part_id for line in lines if line.basis and line.part_id not in kept]
    return {**kept, **(last_season_basis(plan.dealer, plan.season, missing) if missing else {})}


def _page(plan, status: int = 200, *, line_errors=None, typed=None, units_now=None, **forms):
    """The plan page with every form this user may use; ``forms`` override the blank ones.

    The lines come a page at a time, except to a reviewer, who approves them all at once."""
    seen = plan.version
    planning = access.can_edit_plan(plan, current_user)
    reviewing = access.can_review_plan(plan, current_user)
    lines = lines_page(plan, None if reviewing else request.values.get("page", 1, type=int))
    sections = [(section, [line for line in lines.items if line.section == section])
                for section in PlanSection]
    due = due_on(plan.season)
    context = {
        "plan": plan, "sections": sections, "lines": lines, "due": due,
        "today": shanghai_today(),
        "explain": explain, "units_now": units_now, "last": _last_seasons(plan, lines.items),
        "history": audit.history(plan, limit=100),
        "line_errors": line_errors or {}, "typed": typed or {},
        "plan_form": (forms.get("edit") or PlanForm(version=seen, note=plan.note))
        if planning else None,
        "refresh_form": (forms.get("refresh") or Versioned(version=seen)) if planning else None,
        "review_form": (forms.get("review") or ReviewForm(version=seen)) if reviewing else None,
        "send_back_form": (forms.get("send_back") or SendBackForm(version=seen))
        if reviewing else None,
    }
    return render("planning/plan.html", status=status, **context)


@bp.route("/<id:plan_id>")
@signed_in
def detail(plan_id):
    """The plan: its lines with the suggestion and why, the quantities, the totals, history;
    with ``units=now``, also the working units counted now (htmx: those alone)."""
    plan = get_plan(plan_id, current_user, lines=False)
    if request.args.get("units") != "now":
        return _page(plan)
    if wants_fragment():
        return render("planning/_units_now.html", plan=plan, units_now=_units_now(plan))
    return _page(plan, units_now=_units_now(plan))


def _on_plan(plan, key: str, typed=None) -> dict:
    """form_action's answers for a form on the plan page: the page of lines asked for, or the
    plan again with the form as ``key``, what was typed and the errors by their lines."""
    page = request.form.get("go", type=int) or request.values.get("page", type=int)
    return {"done": url_for("planning.detail", plan_id=plan.id, page=page),
            "again": lambda form: _page(plan, typed=typed, **{key: form},
                                        line_errors=errors_by_line(form, "qty-", "line-"))}


def _quantities(plan) -> dict:
    return {line.part_id: request.form[f"qty-{line.part_id}"] for line in plan.lines
            if f"qty-{line.part_id}" in request.form}


def _typed(quantities: dict) -> dict:
    return {f"qty-{part_id}": value for part_id, value in quantities.items()}


@bp.route("/<id:plan_id>/save", methods=["POST"])
@planners
def save(plan_id):
    """Keep the dealer's quantities and note on the draft."""
    return _dealer_saves(plan_id, services.save_plan, lambda _plan: _("Plan saved."))


@bp.route("/<id:plan_id>/submit", methods=["POST"])
@planners
def submit(plan_id):
    """Save the dealer's quantities and send the plan for review."""
    return _dealer_saves(plan_id, services.save_and_submit,
                         lambda plan: _("Plan %(number)s submitted.", number=plan.number))


def _dealer_saves(plan_id, service, success):
    """The dealer's form (quantities and note), kept by ``service``: saved, or also submitted."""
    plan = get_plan(plan_id, current_user)
    form, quantities = PlanForm(), _quantities(plan)
    return form_action(form, lambda: service(
        plan, quantities, form.note.data, actor=current_user, version=form.seen_version),
        success=success(plan), **_on_plan(plan, "edit", _typed(quantities)))


@bp.route("/<id:plan_id>/refresh", methods=["POST"])
@planners
def refresh(plan_id):
    """Work the suggestion out again; the quantities the dealer changed stay."""
    plan = get_plan(plan_id, current_user)
    form = Versioned()
    return form_action(form, lambda: services.refresh_suggestions(
        plan, actor=current_user, version=form.seen_version),
        success=_("Suggestions recalculated."), **_on_plan(plan, "refresh"))


@bp.route("/<id:plan_id>/approve", methods=["POST"])
@reviewers
def approve(plan_id):
    """Approve the plan; a quantity changed from the dealer's needs a reason on its line."""
    plan = get_plan(plan_id, current_user)
    form = ReviewForm()
    adjustments = {line.id: request.form.get(f"approved-{line.id}", "") for line in plan.lines}
    reasons = {line.id: request.form.get(f"reason-{line.id}", "") for line in plan.lines}
    typed = {**{f"approved-{k}": v for k, v in adjustments.items()},
             **{f"reason-{k}": v for k, v in reasons.items()}}
    return form_action(form, lambda: services.approve_plan(
        plan, adjustments, reasons, form.note.data, actor=current_user,
        version=form.seen_version), success=_("Plan %(number)s approved.", number=plan.number),
        **_on_plan(plan, "review", typed))


@bp.route("/<id:plan_id>/send-back", methods=["POST"])
@reviewers
def send_back(plan_id):
    """Send the plan back to the dealer's draft with what to change."""
    plan = get_plan(plan_id, current_user)
    form = SendBackForm()
    return form_action(form, lambda: services.return_plan(
        plan, form.reason.data, actor=current_user, version=form.seen_version),
        success=_("Plan sent back to the dealer."), **_on_plan(plan, "send_back"))


def _approved(plan_id):
    plan = get_plan(plan_id, current_user)
    if plan.status != PlanStatus.APPROVED:
        abort(404)
    return plan


@bp.route("/<id:plan_id>/order.xlsx")
@signed_in
def order_xlsx(plan_id):
    """The approved plan as a parts order for the maker's parts sales, in Excel."""
    plan = _approved(plan_id)
    return download(order.order_xlsx(plan), f"{plan.number}.xlsx")


@bp.route("/<id:plan_id>/order.pdf")
@signed_in
def order_pdf(plan_id):
    """The approved plan as a parts order, in PDF."""
    plan = _approved(plan_id)
    return download(order.order_pdf(plan), f"{plan.number}.pdf")
