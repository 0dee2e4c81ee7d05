"""Who may do what: the plumbing every domain's ``access`` module builds its predicates on.

Each domain says who may do what in one module, ``portal/<domain>/access.py``: a predicate
``can_<action>(obj, user) -> bool`` per action on a record, and ``can_<action>(user)`` for what
a role may do without a record (open a list, see a menu entry). The route, the service, the
template and the API all ask that predicate. A role-only predicate is made by ``granted_to``;
routes declare it with ``requires``, so the URL-map access matrix and the predicate read the
same roles and cannot disagree (``signed_in`` in ``portal.accounts.roles`` is the one for
"every signed-in user"). Every template sees every ``can_*``
(``expose_predicates``).
"""

from functools import wraps

from flask import abort, jsonify, make_response, redirect, request, url_for
from flask_login import current_user

from portal.extensions import login_manager

PUBLIC = "public"


def granted_to(*roles):
    """A role-only predicate ``can(user) -> bool``; its ``roles`` are what ``requires`` lets
    through."""
    allowed = frozenset(roles)

    def can(user) -> bool:
        return getattr(user, "role", None) in allowed  # an anonymous user has no role

    can.roles = allowed
    return can


def any_of(*predicates):
    """The role-only predicate granting what any of ``predicates`` grants: for a page or a
    queue shared by several actions (the dealer confirms a note, its rep chases it)."""
    return granted_to(*frozenset().union(*(p.roles for p in predicates)))


def requires(*predicates):
    """The route decorator: a signed-in user whom any of the role-only ``predicates`` grants
    gets through, others 403. The view keeps the predicate (``predicate``), which the menu
    asks, and its roles (``access``), which the URL-map access matrix reads."""
    let_in = any_of(*predicates)

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user._get_current_object()  # read once, not through the proxy
            if not user.is_authenticated:
                return login_manager.unauthorized()
            if not let_in(user):
                abort(403)
            return view(*args, **kwargs)

        wrapped.predicate, wrapped.access = let_in, let_in.roles
        return wrapped

    return decorator


PREDICATES = "portal_predicates"  # app.extensions key: every exposed ``can_*`` by name


def expose_predicates(app, *modules) -> None:
    """Give every template each ``can_*`` of the domains' access modules, so a template shows
    a control by asking the same predicate the route and the service ask.

    They reach the templates through one context processor, not as Jinja globals: on every
    ``{% from ... import %}`` Jinja compares the importing template's globals with the
    imported one's, key by key, and ninety more globals cost 0.1 ms an import (a scorecard
    imports nine times)."""
    exposed = app.extensions.get(PREDICATES)
    if exposed is None:
        exposed = app.extensions[PREDICATES] = {}
        app.context_processor(lambda: exposed)
    for module in modules:
        for name, predicate in vars(module).items():
            if not name.startswith("can_") or not callable(predicate):
                continue
            known = exposed.setdefault(name, predicate)
            if known is not predicate:  # two domains would answer one question differently
                raise RuntimeError(f"two predicates are named {name}")


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
