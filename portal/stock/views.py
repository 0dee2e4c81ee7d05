"""Stock returns (库存产品返厂): list, request, decide, receive; the units deemed sold.

A dealer's users ask to return units of their own unsold stock and may cancel while head office
has not decided; the clerk and administrators approve (with the restoration fee for a unit the
dealer took apart), refuse, and receive. Everyone sees the returns of the dealers they may see.
"""


from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.accounts.access import can_read_history
from portal.accounts.roles import signed_in
from portal.core import audit
from portal.core.actions import form_action
from portal.core.converters import parsed_id, record_id
from portal.core.db import shanghai_today, utcnow
from portal.core.downloads import download
from portal.core.htmx import render
from portal.core.pagination import list_page, list_select
from portal.core.permissions import requires
from portal.core.queues import requested
from portal.dealers.pickers import dealer_filter
from portal.stock import access, excel, rules, services
from portal.stock.deemed import deemed_sold as deemed_rows
from portal.stock.forms import ApproveForm, MoveForm, RequestForm
from portal.stock.models import StockReturn, StockReturnReason, StockReturnStatus
from portal.stock.scope import get_return, visible_returns
from portal.stock.work import scope_of
from portal.units.models import Unit
from portal.units.scope import get_unit
from portal.units.search import searched

bp = Blueprint("stock", __name__, url_prefix="/stock")
deciders_only = requires(access.can_decide_stock_returns)
dealers_only = requires(access.can_request_stock_returns)
# action: (service, message on success, label of its note)
ACTIONS = {
    "approve": (services.approve_return, _l("Return approved: the dealer may send the unit."),
                _l("Note to the dealer (optional)")),
    "refuse": (services.refuse_return, _l("Return refused."),
               _l("Why the return is refused (the dealer is told this)")),
    "receive": (services.receive_return, _l("Unit received: it has left the dealer's stock."),
                _l("What arrived (optional)")),
    "cancel": (services.cancel_return, _l("Request cancelled."), _l("Why (optional)")),
}
FOR = {"approve": access.can_decide_stock_return, "refuse": access.can_decide_stock_return,
       "receive": access.can_decide_stock_return, "cancel": access.can_cancel_stock_return}


@bp.route("/")
@signed_in
def index():
    """List stock returns, newest first, by status; a queue of them oldest first."""
    status, queue = StockReturnStatus.parse(request.args.get("status")), requested()
    stmt = list_select(queue, visible_returns, current_user, utcnow()).options(
        selectinload(StockReturn.dealer), selectinload(StockReturn.unit).selectinload(Unit.model))
    if status:
        stmt = stmt.where(StockReturn.status == status)
    stmt = searched(stmt, request.args.get("q", ""), StockReturn.number, StockReturn.unit_id,
                    StockReturn.dealer_id)
    page = list_page(stmt, queue, StockReturn.requested_at, StockReturn.id)
    return render("stock/index.html", "stock/_rows.html", page=page, status_filter=status,
                  statuses=StockReturnStatus)


@bp.route("/new", methods=["GET", "POST"])
@dealers_only
def new():
    """Ask to return a unit of our unsold stock to the factory."""
    form = RequestForm()
    unit_id = request.args.get("unit", type=record_id) or parsed_id(form.unit.data)
    if unit_id is None:
        flash(_("Open the unit you want to return, then use its button."), "info")
        return redirect(url_for("units.index"), 303)
    unit = get_unit(unit_id, current_user)
    form.unit.data = str(unit.id)
    return form_action(
        form, lambda: services.request_return(unit, form.reason.data, form.description.data,
                                              actor=current_user),
        success=lambda ret: _("Return %(number)s requested: head office will decide.",
                              number=ret.number),
        done=lambda ret: url_for("stock.detail", return_id=ret.id), leave=True,
        again=lambda form: render("stock/new.html", form=form, unit=unit,
                                  problem=services.stock_problem(unit, current_user.dealer_id),
                                  current=services.open_return(unit), outcomes=_outcomes()))


def _outcomes() -> dict:
    return {r.value: rules.outcome(r) for r in StockReturnReason}


@bp.route("/<id:return_id>")
@signed_in
def detail(return_id):
    """Show a return: the unit, what the rules decide, its timeline and the moves it allows."""
    return _page(get_return(return_id, current_user))


def _forms_for(ret: StockReturn) -> dict:
    allowed = [a for a, (sources, _t) in services.MOVES.items() if ret.status in sources]
    forms = {}
    for action in allowed:
        if not FOR[action](ret, current_user):
            continue
        form_cls = ApproveForm if action == "approve" else MoveForm
        forms[action] = form_cls(formdata=None, prefix=action, version=ret.version)
    return forms


def _page(ret: StockReturn, failed: str | None = None, form=None):
    forms = _forms_for(ret)
    if failed in forms:
        forms[failed] = form
    for action, move_form in forms.items():
        move_form.note.label.text = str(ACTIONS[action][2])
    refused = form.form_errors if form is not None and failed not in forms else []
    history = audit.history(ret, ret.unit, limit=30) if can_read_history(current_user) else []
    return render("stock/detail.html", status=422 if failed else 200, ret=ret, forms=forms,
                  refused=refused, outcome=rules.outcome(ret.reason), history=history)


def _move(return_id: int, action: str):
    """One of the return's moves (ACTIONS) from its form, answered by form_action."""
    ret = get_return(return_id, current_user)
    form = (ApproveForm if action == "approve" else MoveForm)(prefix=action)
    move, message, _note = ACTIONS[action]
    kwargs = {"actor": current_user, "version": form.seen_version}
    if action == "approve":
        kwargs["restoration_fee"] = form.restoration_fee.data
    return form_action(form, lambda: move(ret, form.note.data or "", **kwargs),
                       success=message, done=url_for("stock.detail", return_id=ret.id),
                       leave=True, again=lambda form: _page(ret, failed=action, form=form))


@bp.route("/<id:return_id>/approve", methods=["POST"])
@deciders_only
def approve(return_id):
    """Let the dealer send the unit back (with the restoration fee when it was taken apart)."""
    return _move(return_id, "approve")


@bp.route("/<id:return_id>/refuse", methods=["POST"])
@deciders_only
def refuse(return_id):
    """Refuse a return, saying why."""
    return _move(return_id, "refuse")


@bp.route("/<id:return_id>/receive", methods=["POST"])
@deciders_only
def receive(return_id):
    """Record that the unit arrived at the factory."""
    return _move(return_id, "receive")


@bp.route("/<id:return_id>/cancel", methods=["POST"])
@dealers_only
def cancel(return_id):
    """Withdraw our request before head office decides."""
    return _move(return_id, "cancel")


@bp.route("/deemed-sold")
@signed_in
def deemed_sold():
    """List the units that count as sold: unsold and not returned after two seasons."""
    dealer_id, picker = dealer_filter(current_user, request.args)
    dealer_id = dealer_id or request.args.get("dealer", type=record_id)  # unseen: 404 (scope_of)
    after = request.args.get("after", "")[:40] or None
    rows = deemed_rows(scope_of(current_user, dealer_id), shanghai_today(), after_serial=after)
    size = current_app.config["PAGE_SIZE"]
    next_serial = rows[size - 1].unit.serial if len(rows) > size else None
    return render("stock/deemed_sold.html", "stock/_deemed_rows.html", rows=rows[:size],
                  next_serial=next_serial, dealer_id=dealer_id, picker=picker)


@bp.route("/deemed-sold.xlsx")
@signed_in
def deemed_sold_export():
    """Download the units deemed sold as an .xlsx sheet."""
    dealer_id = request.args.get("dealer", type=record_id)
    today = shanghai_today()
    data = excel.export_deemed_sold(deemed_rows(scope_of(current_user, dealer_id), today))
    return download(data, f"deemed-sold-{today.isoformat()}.xlsx")
