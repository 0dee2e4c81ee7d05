"""Dealer list and administration (the dealer's page, which shows other domains' figures, is in
``portal.home.dealer_views``)."""

import sqlalchemy as sa
from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.accounts.roles import signed_in
from portal.core.actions import form_action
from portal.core.htmx import render
from portal.core.pagination import request_page
from portal.core.permissions import requires
from portal.core.regions import PROVINCES
from portal.dealers import services
from portal.dealers.access import can_manage_dealers
from portal.dealers.forms import DealerForm
from portal.dealers.models import Dealer, DealerGrade, DealerStatus
from portal.dealers.pickers import PURPOSES, dealer_picker, typed
from portal.dealers.scope import get_dealer, picks_dealers, visible_dealers

bp = Blueprint("dealers", __name__, url_prefix="/dealers")
admin_only = requires(can_manage_dealers)


def _values(form: DealerForm) -> dict:
    return {
        "code": form.code.data, "name": form.name.data.strip(), "province": form.province.data,
        "city": form.city.data.strip(), "address": (form.address.data or "").strip(),
        "contact_name": (form.contact_name.data or "").strip(),
        "contact_phone": (form.contact_phone.data or "").strip(),
        "service_phone": (form.service_phone.data or "").strip(),
        "email": (form.email.data or "").strip(), "grade": DealerGrade(form.grade.data),
        "sales_rep_id": int(form.sales_rep_id.data) if form.sales_rep_id.data else None,
    }


@bp.route("/")
@signed_in
def index():
    """List the dealers this user may see, with active search and filters."""
    q = request.args.get("q", "").strip()
    province = request.args.get("province", "")
    status = DealerStatus.parse(request.args.get("status"))
    stmt = visible_dealers(current_user).options(selectinload(Dealer.sales_rep))
    if q:
        like = f"%{q}%"
        stmt = stmt.where(sa.or_(Dealer.code.ilike(like), Dealer.name.ilike(like),
                                 Dealer.city.ilike(like), Dealer.province.ilike(like)))
    if province in PROVINCES:
        stmt = stmt.where(Dealer.province == province)
    if status:
        stmt = stmt.where(Dealer.status == status)
    page = request_page(stmt, Dealer.code, Dealer.id)
    return render("dealers/index.html", "dealers/_rows.html", page=page, q=q,
                  province=province, status_filter=status, provinces=PROVINCES,
                  statuses=DealerStatus)


@bp.route("/choices")
@signed_in
def choices():
    """A dealer picker's select for the words typed in its box (``purpose``: what the picker is
    for, PURPOSES), which htmx swaps in: among the dealers the user may see; a dealer user
    picks no dealer (404)."""
    purpose = request.args.get("purpose", "filter")
    if purpose not in PURPOSES or not picks_dealers(current_user):
        abort(404)
    return render("_choice.html",
                  picker=dealer_picker(current_user, typed(request.args), None, purpose))


@bp.route("/new", methods=["GET", "POST"])
@admin_only
def new():
    """Register a dealer."""
    form = DealerForm()
    return form_action(
        form, lambda: services.create_dealer(_values(form), actor=current_user),
        success=lambda dealer: _("Dealer %(code)s created.", code=dealer.code),
        done=lambda dealer: url_for("dealers.detail", dealer_id=dealer.id),
        again=lambda form: render("dealers/form.html", form=form, dealer=None))


@bp.route("/<id:dealer_id>/edit", methods=["GET", "POST"])
@admin_only
def edit(dealer_id):
    """Edit a dealer."""
    dealer = get_dealer(dealer_id, current_user)
    form = DealerForm(obj=dealer, dealer=dealer)
    if request.method == "GET":
        form.grade.data = dealer.grade.value
        form.sales_rep_id.data = str(dealer.sales_rep_id or "")
        form.version.data = dealer.version
    return form_action(form, lambda: services.update_dealer(
        dealer, _values(form), version=form.seen_version, actor=current_user),
        success=lambda _r: _("Dealer %(code)s saved.", code=dealer.code),
        done=url_for("dealers.detail", dealer_id=dealer.id),
        again=lambda form: render("dealers/form.html", form=form, dealer=dealer))
