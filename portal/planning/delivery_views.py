"""Recording a delivery note, on the ``deliveries`` blueprint (endpoint ``deliveries.new``): it can
start from an approved stocking plan (``?plan=<id>``), so the view sits above deliveries."""

import sqlalchemy as sa
from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.core.actions import form_action
from portal.core.db import shanghai_today
from portal.core.htmx import render
from portal.dealers.models import Dealer
from portal.deliveries import services
from portal.deliveries.forms import EMPTY_PART_ROWS, NoteForm
from portal.deliveries.views import bp, shippers_only
from portal.extensions import db
from portal.planning.models import StockingPlan, StockingPlanLine


def _approved_plan(plan_id) -> StockingPlan | None:
    if not plan_id:
        return None
    try:
        plan_id = int(plan_id)
    except ValueError:
        abort(404)
    plan = db.session.scalar(sa.select(StockingPlan).where(StockingPlan.id == plan_id).options(
        selectinload(StockingPlan.dealer), selectinload(StockingPlan.season),
        selectinload(StockingPlan.lines).selectinload(StockingPlanLine.part)))
    if plan is None:
        abort(404)
    return plan


def _prefill(form: NoteForm, plan: StockingPlan | None) -> None:
    form.shipped_on.data = shanghai_today()
    if plan is None:
        return
    form.dealer.data, form.plan_id.data = plan.dealer_id, str(plan.id)
    rows = [line for line in plan.lines if line.final_qty > 0]
    while len(form.parts) < len(rows) + 2:
        form.parts.append_entry()
    for entry, line in zip(form.parts, rows, strict=False):
        entry.form.part_number.data, entry.form.quantity.data = (line.part.part_number,
                                                                 line.final_qty)
        entry.form.unit_price.data = line.unit_price


@bp.route("/new", methods=["GET", "POST"])
@shippers_only
def new():
    """Record a delivery note: units by serial number, parts by number and quantity;
    ?plan=<id> fills the parts in from an approved stocking plan."""
    form = NoteForm()
    form.dealer.choices = [(d.id, f"{d.code} {d.name}") for d in db.session.scalars(
        sa.select(Dealer).order_by(Dealer.code))]
    plan = _approved_plan(form.plan_id.data if request.method == "POST"
                          else request.args.get("plan"))
    unapproved = plan is not None and not plan.shippable
    if request.method == "GET":
        _prefill(form, plan)
        return render("deliveries/new.html", form=form, plan=plan, unapproved=unapproved)
    if request.form.get("more_rows"):  # keep what was typed, add empty part rows
        for _n in range(min(EMPTY_PART_ROWS, form.parts.max_entries - len(form.parts))):
            form.parts.append_entry()
        return render("deliveries/new.html", form=form, plan=plan, unapproved=unapproved)
    return form_action(form, lambda: services.create_note(
        db.session.get(Dealer, form.dealer.data), form.shipped_on.data, units=form.units,
        parts=form.part_lines, carrier=form.carrier.data or "", note=form.note.data or "",
        plan=plan, actor=current_user, number=form.number.data),
        success=lambda note: _("Delivery note %(number)s recorded; the dealer can now confirm "
                               "receipt.", number=note.number),
        done=lambda note: url_for("deliveries.detail", note_id=note.id),
        again=lambda form: render("deliveries/new.html", form=form, plan=plan,
                                  unapproved=unapproved))
