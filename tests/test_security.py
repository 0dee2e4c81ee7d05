"""Security: headers and the CSP the pages run under, CSRF on every unsafe request (a walk of
the URL map), the API's token throttling, password rules, no secrets in the repository."""

import re
import subprocess

import pytest

from portal import ROOT, create_app
from portal.accounts import services, throttle
from portal.accounts.models import LoginFailure
from portal.accounts.roles import Role
from portal.core.permissions import PUBLIC
from portal.core.security import CONTENT_SECURITY_POLICY
from tests import factories
from tests.access_records import url_of

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


# -- headers -----------------------------------------------------------------------------------

def test_every_page_carries_the_security_headers(client, login, world):
    login(world.users[Role.CLERK])
    response = client.get("/home/clerk")
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "camera=(self)" in response.headers["Permissions-Policy"]
    assert "microphone=()" in response.headers["Permissions-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # only in production


def test_errors_and_api_answers_are_not_stored_either(client, api):
    assert client.get("/no-such-page").headers["Cache-Control"] == "no-store"
    response = api("GET", "/me")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_static_files_stay_cacheable_but_get_the_headers(client):
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_production_adds_hsts_and_secure_cookies(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "p" * 48)
    app = create_app({"PORTAL_ENV": "production",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}"})
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.permanent_session_lifetime.total_seconds() == 8 * 3600


# Documents that WeasyPrint renders to PDF, never served as pages: their <style> is fine.
PDF_ONLY = {"returns/labels_a4.html", "returns/labels_thermal.html"}
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> block"),
    (re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I), "event-handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_templates_have_no_inline_script_or_style():
    """The CSP forbids them; the browser check (scripts/csp_check.py) sees the pages run."""
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        name = path.relative_to(ROOT / "templates").as_posix()
        if name in PDF_ONLY:
            continue
        text = path.read_text()
        found += [f"{name}: {what}" for pattern, what in INLINE if pattern.search(text)]
    assert found == []


def test_htmx_injects_no_indicator_style(client):
    page = client.get("/login").get_data(as_text=True)
    assert '"includeIndicatorStyles": false' in page


# -- CSRF --------------------------------------------------------------------------------------

def _unsafe_routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & UNSAFE):
            yield rule, method


def _first_allowed_role(view):
    return None if view.access == PUBLIC else min(view.access, key=lambda r: r.value)


def test_every_unsafe_request_needs_the_csrf_token(app, client, login, world, objects,
                                                   monkeypatch):
    """Post to every unsafe endpoint as a user allowed there, without a token: 400 each."""
    own = {k: v[0] for k, v in objects.items()}
    by_role = {}
    for rule, method in _unsafe_routes(app):
        view = app.view_functions[rule.endpoint]
        if getattr(view, "api", False):
            continue
        by_role.setdefault(_first_allowed_role(view), []).append((rule, method))
    walked = []
    for role, routes in by_role.items():
        monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
        if role is None:
            client.post("/logout")
        else:
            login(world.users[role])
        monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
        for rule, method in routes:
            for headers in ({}, {"HX-Request": "true"}):
                response = client.open(url_of(rule, own), method=method, data={"probe": "1"},
                                       headers=headers)
                assert response.status_code == 400, (role, method, rule.rule,
                                                     response.status_code)
            walked.append(rule.endpoint)
    assert len(walked) > 80 and "accounts.login" in walked and "accounts.logout" in walked


def test_a_session_cookie_alone_cannot_call_the_api(app, client, login, world, objects):
    """The API is exempt from CSRF because it reads only bearer tokens, never the cookie."""
    login(world.users[Role.ADMIN])
    own = {k: v[0] for k, v in objects.items()}
    called = 0
    for rule in app.url_map.iter_rules():
        if not getattr(app.view_functions[rule.endpoint], "api", False):
            continue
        for method in sorted(rule.methods & (UNSAFE | {"GET"})):
            response = client.open(url_of(rule, own), method=method, json={})
            assert response.status_code == 401, (method, rule.rule, response.status_code)
            called += 1
    assert called >= 20


# -- API throttling ----------------------------------------------------------------------------

def _api(client, token, address="10.1.1.1"):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"},
                      environ_base={"REMOTE_ADDR": address})


def test_wrong_bearer_tokens_are_throttled_per_address(app, client, world, db):
    good = services.issue_token(world.users[Role.ADMIN])
    db.session.commit()
    assert _api(client, good).status_code == 200
    limit = app.config["API_MAX_FAILURES"]
    for attempt in range(limit):
        assert _api(client, f"sbp_guess{attempt}").status_code == 401
    response = _api(client, "sbp_guess-more")
    assert response.status_code == 429
    assert response.json["error"] == "too_many_requests"
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60 + 1
    assert _api(client, good).status_code == 200  # a valid token is never refused
    assert _api(client, good, address="10.2.2.2").status_code == 200
    assert db.session.query(LoginFailure).filter_by(remote_addr="10.1.1.1").count() == limit


def test_requests_without_a_token_are_not_counted(app, client, db):
    for _ in range(app.config["API_MAX_FAILURES"] + 2):
        response = client.get("/api/v1/me", environ_base={"REMOTE_ADDR": "10.3.3.3"})
        assert response.status_code == 401
    assert db.session.query(LoginFailure).count() == 0


def test_api_failures_do_not_lock_sign_in_from_that_address(app, world, db):
    for _ in range(app.config["API_MAX_FAILURES"]):
        throttle.record_api_failure("10.4.4.4")
    db.session.flush()
    assert throttle.api_lockout_seconds("10.4.4.4") > 0
    assert throttle.sign_in_wait("w_clerk", "10.4.4.4") == 0
    assert throttle.api_lockout_seconds("10.5.5.5") == 0


def test_api_lock_lifts_when_the_failures_age_out(app, db):
    from datetime import timedelta

    from portal.core.db import utcnow

    db.session.add_all([LoginFailure(username=throttle.API_TOKEN_FAILURE, remote_addr="10.6.6.6",
                                     at=utcnow() - timedelta(minutes=16))
                        for _ in range(app.config["API_MAX_FAILURES"])])
    db.session.flush()
    assert throttle.api_lockout_seconds("10.6.6.6") == 0


# -- passwords ---------------------------------------------------------------------------------

@pytest.mark.parametrize("password,username,problem", [
    ("abcdefghij", "", "At least 10 characters"),
    ("1234567890", "", "At least 10 characters"),
    ("abc123", "", "At least 10 characters"),
    ("x1" * 65, "", "At most 128 characters"),
    ("w_clerk2026!", "w_clerk", "must not contain the username"),
    ("MyW_CLERK-99", "w_clerk", "must not contain the username"),
    ("Password123", "", "too common"),
    ("woaini1314", "", "too common"),
    ("1qaz2wsx3edc", "", "too common"),
    ("Harvest-2026-ok", "w_clerk", None),
    (factories.PASSWORD, "w_clerk", None),
    ("Sanbao2026", "sdjn01_admin", None),  # the demo's password stays valid
])
def test_password_rules(app, password, username, problem):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        from flask import session

        session["lang"] = "en"
        found = services.password_problem(password, username)
    assert (found is None) if problem is None else (problem in found), found


def test_new_user_password_must_not_be_the_username(client, login, world, db):
    login(world.users[Role.ADMIN])
    response = client.post("/admin/users/new", data={
        "username": "lin_feng", "display_name": "林峰", "role": "clerk",
        "password": "lin_feng2026"})
    assert response.status_code == 422
    assert "用户名" in response.get_data(as_text=True)
    assert services.find_user("lin_feng") is None


def test_changed_password_must_not_be_common(client, login, world, db):
    login(world.users[Role.FINANCE])
    response = client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": "qwerty123456",
        "confirm": "qwerty123456"})
    assert response.status_code == 422
    assert not services.find_user(world.users[Role.FINANCE].username).check_password(
        "qwerty123456")


# -- secrets -----------------------------------------------------------------------------------

SECRET_PATTERNS = [
    (re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE" r" KEY"),
     "private key"),
    (re.compile(r"\bAKIA[0-9A-Z]{16}\b"), "AWS access key"),
    (re.compile(r"\bsbp_[A-Za-z0-9_-]{40,}"), "portal API token"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}"), "GitHub token"),
    # A placeholder (PASSWORD, $PGPASSWORD) or a throwaway test password is no secret.
    (re.compile(r"postgres(?:ql)?(?:\+\w+)?://[^:/@\s]+:(?![A-Z_]+@|\$)[^@\s]{6,}@"),
     "database URL with a password"),
]
SECRET_FILES = re.compile(r"(^|/)(\.env|secret_key|id_rsa|id_ed25519|.*\.pem|.*\.key)$")


def _tracked_files():
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [name for name in out.decode().split("\0") if name]


def test_no_secrets_are_tracked():
    found = [name for name in _tracked_files() if SECRET_FILES.search(name)]
    for name in _tracked_files():
        path = ROOT / name
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        text = path.read_bytes().decode("utf-8", "ignore")
        found += [f"{name}: {what}" for pattern, what in SECRET_PATTERNS if pattern.search(text)]
    assert found == []


def test_a_production_secret_key_is_not_in_the_repository():
    """Production refuses to start without SECRET_KEY (tests/test_config.py); no tracked file
    sets one."""
    assignment = re.compile(r"""^\s*(?:export\s+)?SECRET_KEY\s*=\s*["']?[A-Za-z0-9+/=_-]{16,}""",
                            re.M)
    found = [name for name in _tracked_files()
             if (ROOT / name).is_file() and assignment.search((ROOT / name).read_text(
                 errors="ignore"))]
    assert found == []
