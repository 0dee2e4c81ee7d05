"""Creating and editing users, on the ``accounts`` blueprint (endpoints ``accounts.new_user`` and
``accounts.edit_user``): a dealer user belongs to a dealer and a sales rep looks after several,
so these forms offer dealers and sit above accounts."""

import sqlalchemy as sa
from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts import services
from portal.accounts.forms import EditUserForm, UserForm
from portal.accounts.views import admin_only, bp, get_user
from portal.core.actions import form_action
from portal.core.htmx import render
from portal.dealers.models import Dealer
from portal.extensions import db


def _all_dealers():
    return db.session.scalars(sa.select(Dealer).order_by(Dealer.code)).all()


def _dealer_choice(form) -> Dealer | None:
    return db.session.get(Dealer, int(form.dealer_id.data)) if form.dealer_id.data else None


def _rep_choice(form) -> list[Dealer]:
    ids = form.rep_dealer_ids.data or []
    return db.session.scalars(sa.select(Dealer).where(Dealer.id.in_(ids))).all() if ids else []


@bp.route("/admin/users/new", methods=["GET", "POST"])
@admin_only
def new_user():
    """Create a user."""
    form = UserForm()
    form.fill_choices(_all_dealers())
    return form_action(form, lambda: services.create_user(
        username=form.username.data.strip(), display_name=form.display_name.data.strip(),
        role=form.role.data, password=form.password.data, dealer=_dealer_choice(form),
        rep_dealers=_rep_choice(form), phone=form.phone.data or "",
        email=form.email.data or "", actor=current_user,
    ), success=lambda user: _("User %(name)s created.", name=user.username),
        done=lambda user: url_for("accounts.user_detail", user_id=user.id),
        again=lambda form: render("accounts/user_form.html", form=form, user=None))


@bp.route("/admin/users/<id:user_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_user(user_id):
    """Change a user's name, role and dealers."""
    user = get_user(user_id)
    form = EditUserForm(obj=user)
    form.fill_choices(_all_dealers())
    if request.method == "GET":
        form.role.data = user.role.value
        form.dealer_id.data = str(user.dealer_id or "")
        form.rep_dealer_ids.data = [d.id for d in user.rep_dealers]
    return form_action(form, lambda: services.update_user(
        user, display_name=form.display_name.data.strip(), role=form.role.data,
        dealer=_dealer_choice(form), rep_dealers=_rep_choice(form),
        phone=form.phone.data or "", email=form.email.data or "", actor=current_user,
    ), success=_("User %(name)s saved.", name=user.username),
        done=url_for("accounts.user_detail", user_id=user.id),
        again=lambda form: render("accounts/user_form.html", form=form, user=user))
