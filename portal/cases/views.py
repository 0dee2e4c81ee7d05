"""Exchange and refund cases (包换 / 包退): list, open, decide, complete.

The dealer's users and the sales clerk open a case from an entitlement or the buyer's request
and carry it out once approved; the technical department approves or refuses it. Everyone sees
the cases of the dealers they may see.
"""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.accounts.roles import signed_in
from portal.cases import access, machine, rules, services
from portal.cases.forms import (
    CompleteForm,
    DecideForm,
    JudgeMachineForm,
    OpenForm,
    ReceiveMachineForm,
)
from portal.cases.models import CaseKind, CaseStatus, SanbaoCase
from portal.cases.scope import get_case, visible_cases
from portal.cases.settlement import settlement_of
from portal.claims.models import UnitFlag
from portal.core import audit
from portal.core.actions import form_action
from portal.core.converters import record_id
from portal.core.db import shanghai_today, utcnow
from portal.core.htmx import render
from portal.core.pagination import list_page, list_select
from portal.core.permissions import requires
from portal.core.queues import requested
from portal.extensions import db
from portal.units.models import Unit
from portal.units.scope import get_unit, visible_units
from portal.units.search import searched

bp = Blueprint("cases", __name__, url_prefix="/cases")
openers_only = requires(access.can_open_cases)


@bp.route("/")
@signed_in
def index():
    """List exchange and refund cases, newest first, by status and kind; a work queue of them
    (``?queue=``, portal/cases/queues.py) oldest first."""
    status = CaseStatus.parse(request.args.get("status"))
    kind = CaseKind.parse(request.args.get("kind"))
    queue = requested()
    stmt = list_select(queue, visible_cases, current_user, utcnow()).options(
        selectinload(SanbaoCase.dealer), selectinload(SanbaoCase.unit).selectinload(Unit.model))
    if status:
        stmt = stmt.where(SanbaoCase.status == status)
    if kind:
        stmt = stmt.where(SanbaoCase.kind == kind)
    stmt = searched(stmt, request.args.get("q", ""), SanbaoCase.number, SanbaoCase.unit_id,
                    SanbaoCase.dealer_id)
    page = list_page(stmt, queue, SanbaoCase.requested_at, SanbaoCase.id)
    return render("cases/index.html", "cases/_rows.html", page=page, status_filter=status,
                  kind_filter=kind, statuses=CaseStatus, kinds=CaseKind, queue=queue)


def _flag(unit, flag_id):
    """The open entitlement of the unit the case starts from (404 for another unit's)."""
    if not flag_id:
        return None
    flag = db.session.get(UnitFlag, flag_id)
    if flag is None or flag.unit_id != unit.id:
        abort(404)
    return flag


@bp.route("/new", methods=["GET", "POST"])
@openers_only
def new():
    """Open an exchange or refund case for a unit's buyer."""
    unit_id = request.values.get("unit", type=record_id)
    if unit_id is None:
        flash(_("Open the unit the buyer's machine is, then use its button."), "info")
        return redirect(url_for("units.index"), 303)
    unit = get_unit(unit_id, current_user)
    flag = _flag(unit, request.values.get("flag", type=record_id))
    form = OpenForm(kinds=rules.kinds_for_flag(flag.kind) if flag else tuple(CaseKind))
    form.unit.data, form.flag.data = str(unit.id), str(flag.id) if flag else ""
    return form_action(
        form, lambda: services.open_case(
            unit, form.kind.data, form.reason.data, actor=current_user, today=shanghai_today(),
            flag=flag, origin=form.origin.data, failed_on=form.failed_on.data,
            invoice_amount=form.invoice_amount.data),
        success=lambda case: _("Case %(number)s opened: the technical department decides.",
                               number=case.number),
        done=lambda case: url_for("cases.detail", case_id=case.id), leave=True,
        again=lambda form: render("cases/new.html", form=form, unit=unit, flag=flag,
                                  problem=services.case_problem(unit),
                                  allowed=access.can_open_case(unit, current_user),
                                  early_days=rules.EARLY_CHOICE_DAYS))


@bp.route("/<id:case_id>")
@signed_in
def detail(case_id):
    """Show a case: the buyer, the machines, the arithmetic, its timeline and its next move."""
    return _page(get_case(case_id, current_user))


def _parts(case: SanbaoCase) -> dict:
    """What the verdict form offers: the main parts of the machine's model."""
    return {"parts": machine.main_parts(case.unit.model_id)}


def _none(case: SanbaoCase) -> dict:
    return {}


# the case page's forms: name: (form class, who may use it now, what it starts with)
FORMS = {
    "decide": (DecideForm, access.can_decide_case, _none),
    "complete": (CompleteForm, access.can_complete_case,
                 lambda case: {"completed_on": shanghai_today()}),
    "receive": (ReceiveMachineForm, access.can_receive_case_machine,
                lambda case: {"received_on": shanghai_today()}),
    "judge": (JudgeMachineForm, access.can_judge_case_machine, _parts),
}


# Other domains' blocks on the case page: ``panel(case, failed, form) -> context`` (finance's
# settlement, registered by portal/cases/finance_views.py).
PANELS: list = []


def on_case(case: SanbaoCase, name: str) -> dict:
    """``form_action``'s ``done`` and ``again`` for a panel's form ``name`` on the case page."""
    return {"done": url_for("cases.detail", case_id=case.id), "leave": True,
            "again": lambda form: _page(case, name, form)}


def _forms(case: SanbaoCase, failed: str | None, form) -> dict:
    """The forms the user may use on the case now (the one that failed, with its messages)."""
    forms = {}
    for name, (form_cls, may, first) in FORMS.items():
        if name == failed:
            forms[name] = form
        elif may(case, current_user):
            forms[name] = form_cls(formdata=None, version=case.version, **first(case))
    return forms


def _page(case: SanbaoCase, failed: str | None = None, form=None):
    forms = _forms(case, failed, form)
    decide, complete = forms.get("decide"), forms.get("complete")
    units = [u for u in (case.unit_id, case.replacement_unit_id) if u]
    seen = set(db.session.scalars(visible_units(current_user).where(Unit.id.in_(units))
                                  .with_only_columns(Unit.id)))
    due = (rules.refund_due(case.invoice_amount)
           if case.kind == CaseKind.REFUND and case.invoice_amount is not None else None)
    panels = {key: value for panel in PANELS for key, value in panel(case, failed, form).items()}
    # The case's own steps, newest first, for whoever sees the case (form_action answers 422
    # when a form comes back with errors).
    settlement = settlement_of(case) if case.status == CaseStatus.COMPLETED else None
    return render("cases/detail.html", case=case, decide=decide, complete=complete, seen=seen,
                  receive=forms.get("receive"), judge=forms.get("judge"),
                  timeline=audit.history(case, limit=50), due=due, settlement=settlement, **panels)


@bp.route("/<id:case_id>/decide", methods=["POST"])
@requires(access.can_decide_cases)
def decide(case_id):
    """Approve or refuse a case, with the reasons."""
    case = get_case(case_id, current_user)
    form = DecideForm()
    return form_action(
        form, lambda: services.decide_case(case, form.decision.data == "approve",
                                           form.reason.data, actor=current_user,
                                           version=form.seen_version),
        success=lambda c: _("Case %(number)s: %(status)s.", number=c.number,
                            status=c.status.title),
        done=url_for("cases.detail", case_id=case.id), leave=True,
        again=lambda form: _page(case, "decide", form))


@bp.route("/<id:case_id>/complete", methods=["POST"])
@openers_only
def complete(case_id):
    """Record the exchange or the refund done."""
    case = get_case(case_id, current_user)
    form = CompleteForm()
    return form_action(
        form, lambda: services.complete_case(
            case, form.completed_on.data, actor=current_user, version=form.seen_version,
            today=shanghai_today(), replacement_serial=form.replacement_serial.data or "",
            refund_amount=form.refund_amount.data, buyer_receipt=form.buyer_receipt.data or "",
            other_model_agreed=form.other_model_agreed.data,
            buyer_difference=form.buyer_difference.data),
        success=lambda c: _("Case %(number)s completed.", number=c.number),
        done=url_for("cases.detail", case_id=case.id), leave=True,
        again=lambda form: _page(case, "complete", form))


@bp.route("/<id:case_id>/receive", methods=["POST"])
@requires(access.can_receive_machines)
def receive(case_id):
    """Record the failed machine's arrival at the factory."""
    case = get_case(case_id, current_user)
    form = ReceiveMachineForm()
    return form_action(
        form, lambda: machine.receive_machine(case, form.received_on.data, form.note.data or "",
                                              actor=current_user, version=form.seen_version,
                                              today=shanghai_today()),
        success=_("Failed machine received at the factory."),
        done=url_for("cases.detail", case_id=case.id), leave=True,
        again=lambda form: _page(case, "receive", form))


@bp.route("/<id:case_id>/judge", methods=["POST"])
@requires(access.can_decide_cases)
def judge(case_id):
    """Give the verdict on the returned machine and the cause."""
    case = get_case(case_id, current_user)
    form = JudgeMachineForm(**_parts(case))
    return form_action(
        form, lambda: machine.judge_machine(case, form.verdict.data, form.cause.data,
                                            part_id=form.part_id.data, actor=current_user,
                                            version=form.seen_version),
        success=_("Verdict recorded."), done=url_for("cases.detail", case_id=case.id),
        leave=True, again=lambda form: _page(case, "judge", form))
