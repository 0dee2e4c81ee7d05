"""Who may reach a view: every view declares its roles, so the access matrix sees them all."""

from functools import wraps

from flask import abort, jsonify, make_response, redirect, request, url_for
from flask_login import current_user

from portal.accounts.roles import ALL_ROLES, Role
from portal.extensions import login_manager

PUBLIC = "public"


def roles_required(*roles: Role):
    """Let only signed-in users of the given roles through; others get 403."""
    allowed = frozenset(roles)

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapped.access = allowed
        return wrapped

    return decorator


signed_in = roles_required(*ALL_ROLES)


def public(view):
    """Mark a view as reachable without signing in."""
    view.access = PUBLIC
    return view


def unauthorized_response():
    """Send anonymous users to the login page; htmx gets HX-Redirect, the API gets JSON."""
    if request.blueprint == "api":
        return make_response(jsonify(error="authentication required"), 401)
    if request.htmx:
        response = make_response("", 401)
        response.headers["HX-Redirect"] = url_for("accounts.login")
        return response
    if request.method != "GET":  # a form's address is no page to come back to
        return redirect(url_for("accounts.login"))
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
