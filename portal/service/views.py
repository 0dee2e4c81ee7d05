"""The service register: list, new entry, entry page with its actions, escalation list."""

import sqlalchemy as sa
from flask import Blueprint, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from portal.accounts.access import can_read_history
from portal.accounts.models import User
from portal.accounts.roles import signed_in
from portal.core import audit
from portal.core.actions import form_action
from portal.core.db import utcnow
from portal.core.htmx import render, wants_fragment
from portal.core.pagination import list_page, union_page
from portal.core.permissions import requires
from portal.core.queues import TILE_CAP, piles, requested
from portal.dealers.models import Dealer
from portal.extensions import db
from portal.service import access, deadlines, queues, search, services
from portal.service.forms import (
    ArrangeForm,
    CheckForm,
    CloseForm,
    RegisterForm,
    RouteForm,
    to_local,
)
from portal.service.models import Assignee, RequestStatus, ServiceRequest
from portal.service.scope import (
    get_request,
    listed,
    visible_request_branches,
    visible_requests,
)
from portal.service.search import search_page
from portal.units.models import Unit

bp = Blueprint("service", __name__, url_prefix="/service")
ESCALATION_LIMIT = 200
# What a row of the escalation list shows: the entry's unit, dealer and sales rep.
ROW_LOADS = (selectinload(ServiceRequest.unit), selectinload(ServiceRequest.dealer),
             selectinload(ServiceRequest.assigned_user))
# What the entry page shows of every entry, in the entry's own statement (each was a query).
ENTRY_LOADS = (joinedload(ServiceRequest.dealer), joinedload(ServiceRequest.registered_by),
               joinedload(ServiceRequest.unit).joinedload(Unit.model))


@bp.context_processor
def countdowns():
    """What the countdown macro needs: the wording in the user's language and the helpers."""
    return {"countdown_data": deadlines.wording_attributes(),
            "deadline_state": deadlines.deadline_state,
            "iso_utc": deadlines.iso_utc, "soon_seconds": deadlines.SOON_SECONDS}


@bp.route("/")
@signed_in
def index():
    """List the entries this user may see, newest first, with search and filters."""
    q = request.args.get("q", "").strip()
    status = RequestStatus.parse(request.args.get("status"))
    overdue, mine = bool(request.args.get("overdue")), bool(request.args.get("mine"))
    now, queue = utcnow(), requested()
    if q and queue is None:  # all entries: newest first, the newest looked through first
        stmt = _narrowed(visible_requests(current_user), status, overdue, mine, now)
        page = search_page(listed(stmt), q, request.args.get("after"),
                           current_app.config["PAGE_SIZE"])
    elif queue is None:  # all entries, newest first: a page from each way they are seen
        branches = [_narrowed(b, status, overdue, mine, now)
                    for b in visible_request_branches(current_user)]
        if len(branches) == 1:  # head office: one index walks them all in order
            page = list_page(listed(branches[0]), None, ServiceRequest.received_at,
                             ServiceRequest.id, rows=True)
        else:
            page = union_page(branches, listed(sa.select(ServiceRequest)),
                              ServiceRequest.received_at, ServiceRequest.id,
                              request.args.get("after"), current_app.config["PAGE_SIZE"],
                              descending=True, rows=True)
    else:  # a work queue stays oldest first while it is searched
        stmt = listed(_narrowed(queue.select(current_user, now), status, overdue, mine, now))
        page = list_page(stmt.where(search.matches(q)) if q else stmt, queue,
                         ServiceRequest.received_at, ServiceRequest.id, rows=True)
    filters = {"q": q, "status": status.value if status else "", "overdue": "1" if overdue else "",
               "mine": "1" if mine else ""}
    return render("service/index.html", "service/_rows.html", page=page, filters=filters,
                  statuses=RequestStatus, now=now, **_abilities())


def _narrowed(stmt, status, overdue: bool, mine: bool, now):
    """``stmt`` narrowed to the list's filters: a status, overdue only, assigned to me."""
    if status:
        stmt = stmt.where(ServiceRequest.status == status)
    if overdue:
        stmt = stmt.where(deadlines.overdue_clause(now, current_user))
    if mine:
        stmt = stmt.where(services.assigned_to(current_user))
    return stmt


def _abilities() -> dict:
    return {"can_register": access.can_register_requests(current_user),
            "is_manager": access.can_watch_escalation(current_user),
            "is_assignee_role": access.can_arrange_requests(current_user)}


@bp.route("/new", methods=["GET", "POST"])
@requires(access.can_register_requests)
def new():
    """Register a call, letter or visit."""
    form = RegisterForm()
    if not form.is_submitted():
        form.received_at.data = to_local(utcnow())
    return form_action(form, lambda: services.register(
        form.values(), serial=form.serial.data or "", actor=current_user, now=utcnow()),
        success=lambda entry: _("Entry %(number)s registered.", number=entry.number),
        done=lambda entry: url_for("service.detail", request_id=entry.id),
        again=lambda form: render("service/new.html", form=form))


@bp.route("/<id:request_id>")
@signed_in
def detail(request_id):
    """Show one entry: what was reported, where it went, what was arranged, what came of it."""
    return _entry_page(get_request(request_id, current_user, *ENTRY_LOADS))


FORMS = {"route": (RouteForm, access.can_route), "arrange": (ArrangeForm, access.can_arrange),
         "check": (CheckForm, access.can_check), "close": (CloseForm, access.can_close)}


def _entry_page(entry: ServiceRequest, active=None, status: int = 200):
    """The entry page; ``active`` is a submitted form to show again with its errors."""
    forms = {}
    for name, (form_cls, allowed) in FORMS.items():
        if isinstance(active, form_cls):
            forms[name] = active
        elif allowed(entry, current_user):
            forms[name] = form_cls.blank(entry)
    history = audit.history(entry) if can_read_history(current_user) else []
    return render("service/detail.html", "service/_entry.html", status=status, entry=entry,
                  forms=forms, history=history, now=utcnow(), as_fragment=wants_fragment())


def _on_entry(entry) -> dict:
    """form_action's answers for a form on the entry: 303 to it (htmx swaps the entry in place),
    or the entry again with the form and its errors."""
    return {"done": url_for("service.detail", request_id=entry.id),
            "again": lambda form: _entry_page(entry, active=form)}


@bp.route("/<id:request_id>/route", methods=["POST"])
@requires(access.can_dispatch_requests)
def route(request_id):
    """Give the entry to a dealer, a sales rep or the technical department."""
    entry, form = get_request(request_id, current_user), RouteForm()
    return form_action(form, lambda: services.route(
        entry, Assignee(form.assignee.data), dealer=_get(Dealer, form.dealer_id),
        rep=_get(User, form.rep_id), reason=form.reason.data, actor=current_user, now=utcnow(),
        version=form.seen_version), success=_("Entry routed."), **_on_entry(entry))


def _get(model, field):
    return db.session.get(model, int(field.data)) if field.data else None


@bp.route("/<id:request_id>/arrange", methods=["POST"])
@requires(access.can_arrange_requests)
def arrange(request_id):
    """Record what was arranged, and that the customer was told."""
    entry, form = get_request(request_id, current_user), ArrangeForm()
    return form_action(form, lambda: services.arrange(
        entry, form.values(), actor=current_user, now=utcnow(),
        version=form.seen_version), success=_("Arrangement recorded."),
        **_on_entry(entry))


@bp.route("/<id:request_id>/check", methods=["POST"])
@requires(access.can_dispatch_requests)
def check(request_id):
    """Confirm that the entry was arranged."""
    entry, form = get_request(request_id, current_user), CheckForm()
    return form_action(form, lambda: services.check(
        entry, form.note.data, actor=current_user, now=utcnow(),
        version=form.seen_version), success=_("Arrangement checked."),
        **_on_entry(entry))


@bp.route("/<id:request_id>/close", methods=["POST"])
@requires(access.can_dispatch_requests, access.can_arrange_requests)
def close(request_id):
    """Close the entry with its outcome."""
    entry, form = get_request(request_id, current_user), CloseForm()
    return form_action(form, lambda: services.close(
        entry, form.outcome.data, actor=current_user, now=utcnow(),
        version=form.seen_version), success=_("Entry closed."), **_on_entry(entry))


@bp.route("/escalation")
@requires(access.can_watch_escalation)
def escalation():
    """The entries past their arrange or check deadline, the latest first."""
    now = utcnow()
    stmt = queues.OVERDUE.ordered(current_user, now).options(*ROW_LOADS)
    entries = db.session.scalars(stmt.limit(ESCALATION_LIMIT)).all()
    total = len(entries)
    if total == ESCALATION_LIMIT:
        total = queues.OVERDUE.pile(current_user, now).count
    return render("service/escalation.html", entries=entries, total=total, now=now)


def home_box(user) -> list[dict]:
    """The register's queues ``user`` works, for a home page: count and the list it links to."""
    shown = [(queue, label) for queue, label in (
        (queues.TO_ROUTE, _("Not routed")), (queues.TO_CHECK, _("To check")),
        (queues.MINE_TO_ARRANGE, _("To arrange")), (queues.OVERDUE, _("Overdue")),
        (queues.OVERDUE_HERE, _("Overdue"))) if queue.held_by(user)]
    # Capped as the other tiles (``TILE_CAP``, "999+"): the list page has them all.
    found = piles([queue for queue, _label in shown], user, utcnow(), TILE_CAP, oldest=False)
    return [{"label": label, "count": pile.count, "more": pile.more, "url": queue.url(),
             "alert": queue in (queues.OVERDUE, queues.OVERDUE_HERE) and pile.count > 0}
            for (queue, label), pile in zip(shown, found, strict=True)]
