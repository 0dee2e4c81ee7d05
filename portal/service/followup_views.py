"""Follow-up after repairs: return visits (this file), complaints and entitlement flags."""

from datetime import date, timedelta

from flask import Blueprint, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.access import can_read_history
from portal.accounts.roles import signed_in
from portal.claims.search import searched_claims
from portal.core import audit
from portal.core.actions import form_action
from portal.core.db import shanghai_today, utcnow
from portal.core.htmx import render, render_form, wants_fragment
from portal.core.pagination import list_page, list_select
from portal.core.permissions import requires
from portal.core.queues import requested
from portal.dealers.pickers import dealer_filter
from portal.dealers.scope import visible_dealer_ids
from portal.service import access
from portal.service import visits as services
from portal.service.followup_forms import CallForm
from portal.service.followup_scope import get_visit, visible_visits, visit_rows_shown
from portal.service.models import ReturnVisit, VisitStatus

bp = Blueprint("followup", __name__, url_prefix="/followup")
handlers_only = requires(access.can_handle_followup)
STATS_DAYS = 30


def date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


# What a row of the visits list shows of the visit itself (the rest: ``visit_rows_shown``);
# the sort columns of the list and of its queue among them, for the next page's cursor.
VISIT_COLUMNS = (ReturnVisit.id, ReturnVisit.due_on, ReturnVisit.called_at, ReturnVisit.unit_id,
                 ReturnVisit.attempts, ReturnVisit.reached, ReturnVisit.satisfaction,
                 ReturnVisit.comment)


def _visit_rows(status: VisitStatus, dealer_id: int | None, q: str):
    queue = requested()  # the visits due: those open and due by today
    stmt = searched_claims(list_select(queue, visible_visits, current_user, utcnow()), q,
                           ReturnVisit.claim_id)  # found as their repair record is
    stmt = stmt.where(ReturnVisit.status == status)
    if dealer_id:
        stmt = stmt.where(ReturnVisit.dealer_id == dealer_id)
    stmt = stmt.with_only_columns(*VISIT_COLUMNS)  # plain rows: a page shows 25, read-only
    if status == VisitStatus.OPEN:  # worked down by due date; the calls made, latest first
        return list_page(stmt, queue, ReturnVisit.due_on, ReturnVisit.id, descending=False,
                         rows=True)
    return list_page(stmt, queue, ReturnVisit.called_at, ReturnVisit.id, rows=True)


def _stats(dealer_id: int | None, start: date, end: date):
    return services.visit_stats(visible_dealer_ids(current_user), start=start, end=end,
                                dealer_id=dealer_id or None)


@bp.route("/visits")
@signed_in
def visits():
    """List the return visits to make (oldest due first) or made, with the visit rate; found
    by their repair record's number, its unit's serial or its dealer."""
    status = VisitStatus.parse(request.args.get("status")) or VisitStatus.OPEN
    if not access.can_plan_visits(current_user):
        status = VisitStatus.DONE  # dealers see results, not the calling plan
    dealer_id, picker = dealer_filter(current_user, request.args)
    today = shanghai_today()
    end = date_arg("to") or today
    start = date_arg("from") or end - timedelta(days=STATS_DAYS - 1)
    q = request.args.get("q", "").strip()
    page = _visit_rows(status, dealer_id, q)
    shown = visit_rows_shown([v.id for v in page.items])
    args = {"status": status.value, "dealer": dealer_id or "", "from": start.isoformat(),
            "to": end.isoformat(), "q": q}
    if wants_fragment():  # the next rows only
        return render("followup/_visit_rows.html", page=page, shown=shown, state=status,
                      today=today, args=args)
    return render("followup/visits.html", page=page, shown=shown, state=status,
                  dealer_id=dealer_id, picker=picker, today=today, q=q,
                  start=start, end=end, stats=_stats(dealer_id, start, end), args=args,
                  statuses=VisitStatus, targets=(services.TARGET_RATE,
                                                 services.TARGET_SATISFIED))


@bp.route("/visits/<id:visit_id>")
@signed_in
def visit(visit_id):
    """Show a return visit: the repair, the customer to call, the calls made."""
    visit = get_visit(visit_id, current_user)
    return _visit_page(visit, CallForm(version=visit.version))


def _visit_page(visit, form):
    history = audit.history(visit) if can_read_history(current_user) else []
    return render_form("followup/visit.html", form, "followup/_call_form.html", visit=visit,
                       claim=visit.claim, card=visit.unit.card, history=history,
                       can_call=access.can_call_visit(visit, current_user),
                       max_attempts=services.MAX_ATTEMPTS)


@bp.route("/visits/<id:visit_id>/call", methods=["POST"])
@handlers_only
def call(visit_id):
    """Record one call to the customer."""
    visit = get_visit(visit_id, current_user)
    form = CallForm()
    return form_action(form, lambda: services.record_call(
        visit, reached=form.reached.data == "1", satisfaction=form.satisfaction.data,
        comment=form.comment.data or "", actor=current_user, now=utcnow(),
        version=form.seen_version),
        success=lambda _r: _call_message(visit), done=url_for("followup.visits"), leave=True,
        again=lambda form: _visit_page(visit, form))


def _call_message(visit) -> str:
    if visit.reached:
        return _("Call recorded: satisfaction %(n)d.", n=visit.satisfaction)
    if visit.status == VisitStatus.DONE:
        return _("Not reached %(n)d times: the return visit is closed.", n=visit.attempts)
    return _("Not reached: try again on %(day)s.", day=visit.due_on.isoformat())
