"""The access matrix: every route in the URL map, for anonymous users and every role.

A new route cannot escape: it must declare its roles, and every URL argument it takes must
have a record of dealer A (and, when dealer-scoped, one of dealer B) in tests/access_records.py.
"""

import pytest

from portal.accounts.roles import DEALER_ROLES, Role
from portal.core.permissions import PUBLIC
from tests.access_records import routes_of, url_of


def _call(client, method, url):
    # A real form always sends something (at least its CSRF token); an empty body would make
    # WTForms fall back to the object's data.
    return client.get(url) if method == "GET" else client.post(url, data={"probe": "1"})


def test_every_view_declares_access(app):
    missing = [rule.endpoint for rule, _m in routes_of(app)
               if not hasattr(app.view_functions[rule.endpoint], "access")]
    assert missing == []


def test_every_url_argument_is_covered(app, objects):
    unknown = {a for rule, _m in routes_of(app) for a in rule.arguments} - set(objects)
    assert unknown == set(), "add these URL arguments to the access matrix"


def test_anonymous_is_sent_to_login(app, client, objects):
    own = {k: v[0] for k, v in objects.items()}
    for rule, method in routes_of(app):
        view = app.view_functions[rule.endpoint]
        if view.access == PUBLIC and not getattr(view, "api", False):
            continue
        response = _call(client, method, url_of(rule, own))
        if getattr(view, "api", False):
            assert response.status_code == 401, rule.rule
            assert response.is_json
        else:
            assert response.status_code == 302, (method, rule.rule, response.status_code)
            assert response.headers["Location"].startswith("/login"), rule.rule


@pytest.mark.parametrize("role", list(Role))
def test_role_matrix(app, client, login, world, objects, role):
    own = {k: v[0] for k, v in objects.items()}
    user = world.users[role]
    login(user)
    for rule, method in routes_of(app):
        view = app.view_functions[rule.endpoint]
        if view.access == PUBLIC:
            continue
        response = _call(client, method, url_of(rule, own))
        where = (role.value, method, rule.rule, response.status_code)
        if role in view.access:
            assert response.status_code not in (401, 403) and response.status_code < 500, where
        else:
            assert response.status_code == 403, where
        if rule.endpoint == "accounts.logout":
            login(user)


@pytest.mark.parametrize("role", [*DEALER_ROLES, Role.SALES_REP])
def test_dealer_a_cannot_reach_dealer_b(app, client, login, world, objects, role):
    """Dealer A's users and A's rep get 404 for every dealer-scoped URL of dealer B."""
    login(world.users[role])
    scoped = [name for name, (_a, b) in objects.items() if b is not None]
    checked = 0
    for rule, method in routes_of(app):
        view = app.view_functions[rule.endpoint]
        if view.access == PUBLIC or role not in view.access:
            continue
        if not set(rule.arguments) & set(scoped):
            continue
        foreign = {k: (v[1] if v[1] is not None else v[0]) for k, v in objects.items()}
        response = _call(client, method, url_of(rule, foreign))
        assert response.status_code == 404, (role.value, method, rule.rule)
        assert _call(client, "GET", url_of(rule, {k: v[0] for k, v in objects.items()})
                     ).status_code != 404 or method != "GET"
        checked += 1
    assert checked > 0


def test_dealer_b_cannot_reach_dealer_a(client, login, world):
    login(world.dealer_b_admin)
    assert client.get(f"/dealers/{world.dealer_a.id}").status_code == 404
    assert client.get(f"/dealers/{world.dealer_b.id}").status_code == 200
