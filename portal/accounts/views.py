"""Sign-in, own password, and the administrator's user management."""

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy.orm import selectinload

from portal.accounts import services
from portal.accounts.access import can_manage_users
from portal.accounts.forms import (
    ActiveForm,
    ChangePasswordForm,
    LoginForm,
    ResetPasswordForm,
)
from portal.accounts.models import ApiToken, User
from portal.accounts.roles import Role, signed_in
from portal.core import audit
from portal.core.actions import back_with_errors, form_action
from portal.core.errors import DomainError
from portal.core.htmx import render, render_form
from portal.core.pagination import request_page
from portal.core.permissions import public, requires
from portal.extensions import db

bp = Blueprint("accounts", __name__)
admin_only = requires(can_manage_users)


def is_safe_next(target: str | None) -> bool:
    """Only paths on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") and not (
        target.startswith("//")
    )


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Sign in and go to ``next`` or the role's own home page."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data,
                                         request.remote_addr or "")
        except DomainError as error:
            db.session.commit()  # keep the counted failure
            form.password.errors.append(error.message)
        else:
            db.session.commit()
            login_user(user)
            target = form.next.data
            return redirect(target if is_safe_next(target) else url_for("home.index"), 303)
    return render_form("accounts/login.html", form)


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    """Sign out here and in every other browser: a copy of the signed cookie must not outlive
    the sign-out, and the cookie cannot tell one browser from another."""
    services.end_sessions(current_user)
    db.session.commit()
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.login"), 303)


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    """Change one's own password."""
    form, user = ChangePasswordForm(), current_user._get_current_object()
    return form_action(form, lambda: services.change_password(
        user, form.current_password.data, form.new_password.data),
        then=lambda _r: login_user(user),  # the session follows the new password
        success=_("Your password has been changed."), done=url_for("home.index"),
        again=lambda form: render("accounts/password.html", form=form))


def get_user(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.route("/admin/users")
@admin_only
def users():
    """List users with active search on username or name."""
    q = request.args.get("q", "").strip()
    stmt = sa.select(User).options(selectinload(User.dealer))
    if q:
        like = f"%{q}%"
        stmt = stmt.where(sa.or_(User.username.ilike(like), User.display_name.ilike(like)))
    role = Role.parse(request.args.get("role"))
    if role:
        stmt = stmt.where(User.role == role)
    page = request_page(stmt, User.username, User.id)
    return render("accounts/users.html", "accounts/_user_rows.html", page=page, q=q, role=role,
                  roles=Role, rep_dealers=_rep_dealer_counts(page.items))


def _rep_dealer_counts(users) -> dict[int, int]:
    """{rep's id: how many dealers it covers} for the reps among ``users``, counted in one
    query (not every rep's dealers loaded: a rep covers hundreds at production scale)."""
    reps = [u.id for u in users if u.role.is_rep]
    if not reps:
        return {}
    return dict(db.session.execute(
        sa.select(User.id, sa.func.count()).join(User.rep_dealers).where(User.id.in_(reps))
        .group_by(User.id)).all())


@bp.route("/admin/users/<id:user_id>")
@admin_only
def user_detail(user_id):
    """Show a user, their assignments and history."""
    user = get_user(user_id)
    return render("accounts/user_detail.html", user=user, history=audit.history(user),
                  reset_form=ResetPasswordForm(), active_form=ActiveForm())


@bp.route("/admin/users/<id:user_id>/reset-password", methods=["POST"])
@admin_only
def reset_password(user_id):
    """Give a user a temporary password to change at next sign-in."""
    user = get_user(user_id)
    form = ResetPasswordForm()
    return form_action(form, lambda: services.reset_password(
        user, form.password.data, actor=current_user),
        success=_("Password of %(name)s reset; they must change it at next sign-in.",
                  name=user.username),
        done=url_for("accounts.user_detail", user_id=user.id),
        again=lambda form: render("accounts/user_detail.html", user=user,
                                  history=audit.history(user), reset_form=form,
                                  active_form=ActiveForm()))


@bp.route("/admin/users/<id:user_id>/active", methods=["POST"])
@admin_only
def set_active(user_id):
    """Deactivate or reactivate a user."""
    user = get_user(user_id)
    form, back = ActiveForm(), url_for("accounts.user_detail", user_id=user.id)
    return form_action(form, lambda: services.set_active(
        user, form.active.data, actor=current_user, reason=form.reason.data or ""),
        success=lambda _r: _("User %(name)s is now %(state)s.", name=user.username,
                             state=_("active") if user.is_active_user else _("deactivated")),
        done=back, again=back_with_errors(back))  # the user page has no such form to show


@bp.route("/account/tokens")
@signed_in
def tokens():
    """List one's API tokens."""
    return _tokens_page()


def _tokens_page(new_token: str | None = None, status: int = 200):
    rows = db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == current_user.id)
        .order_by(ApiToken.id.desc())
    ).all()
    return render("accounts/tokens.html", status=status, tokens=rows, new_token=new_token,
                  form=ActiveForm())


@bp.route("/account/tokens", methods=["POST"])
@signed_in
def new_token():
    """Make an API token for oneself and show it in this answer, once (never kept, not even in
    the session cookie, which is signed but readable; the answer is no-store like every page)."""
    form = ActiveForm()
    if not form.validate_on_submit():
        return back_with_errors(url_for("accounts.tokens"))(form)
    token = services.issue_token(current_user, actor=current_user)
    db.session.commit()
    return _tokens_page(new_token=token, status=201)


@bp.route("/account/tokens/<id:token_id>/revoke", methods=["POST"])
@signed_in
def revoke_token(token_id):
    """Revoke one of one's own tokens."""
    token = db.session.scalar(sa.select(ApiToken).where(
        ApiToken.id == token_id, ApiToken.user_id == current_user.id)) or abort(404)
    form, back = ActiveForm(), url_for("accounts.tokens")
    return form_action(form, lambda: services.revoke_token(token, actor=current_user),
                       success=_("Token revoked."), done=back, again=back_with_errors(back))
