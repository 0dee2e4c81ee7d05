"""Finance's side of exchange and refund cases, on finance's blueprint (its endpoints stay
``finance.*``): the queue of settlements to approve, and the settlement block on the case page
(templates/finance/_case_settlement.html) with its form. A refusal of the form re-renders the
case page with the message next to the field, 422."""

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.cases.finance import SETTLE, can_settle_case, settle_case
from portal.cases.finance_forms import SettleForm
from portal.cases.models import SanbaoCase
from portal.cases.scope import get_case
from portal.cases.settlement import settlement_of
from portal.cases.views import PANELS, on_case
from portal.core.actions import form_action
from portal.core.db import utcnow
from portal.core.htmx import render
from portal.core.pagination import queue_page
from portal.core.permissions import requires
from portal.finance import access
from portal.finance.views import bp
from portal.units.models import Unit
from portal.units.search import searched


def case_finance(case: SanbaoCase, failed: str | None, form) -> dict:
    """The settlement block of the case page: finance's decision once made; before it, for
    finance, the settlement as it would be approved now and the form."""
    if not can_settle_case(case, current_user):
        return {"settle": None, "settle_preview": None}
    form = form if failed == "settle" else SettleForm(formdata=None, version=case.version)
    return {"settle": form, "settle_preview": settlement_of(case)}


PANELS.append(case_finance)


@bp.route("/case-settlements")
@requires(access.can_settle_cases)
def case_settlements():
    """Completed cases whose failed machine is back, waiting for finance's settlement, oldest
    arrival first; searched by case number, serial or dealer (``portal.units.search``)."""
    q = request.args.get("q", "").strip()
    stmt = searched(SETTLE.select(current_user, utcnow()), q, SanbaoCase.number,
                    SanbaoCase.unit_id, SanbaoCase.dealer_id).options(
        selectinload(SanbaoCase.dealer), selectinload(SanbaoCase.unit).selectinload(Unit.model))
    return render("finance/case_settlements.html", "finance/_case_settlement_rows.html",
                  page=queue_page(stmt, SETTLE), q=q)


@bp.route("/case-settlements/<id:case_id>", methods=["POST"])
@requires(access.can_settle_cases)
def settle(case_id):
    """Approve the case's settlement as worked out, or refuse it with the reason."""
    case = get_case(case_id, current_user)
    form = SettleForm()
    return form_action(
        form, lambda: settle_case(case, form.decision.data == "approve", form.reason.data or "",
                                  actor=current_user, version=form.seen_version),
        success=lambda s: _("Settlement of case %(number)s: %(status)s, %(amount)s.",
                            number=case.number, status=s.status.title,
                            amount=f"¥{s.amount:,.2f}"),
        **on_case(case, "settle"))
