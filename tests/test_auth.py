"""Sign-in, throttling, safe redirects, session expiry, passwords, CSRF."""

from datetime import UTC, datetime, timedelta

import pytest

from portal import create_app
from portal.accounts import services, throttle
from portal.accounts.models import LoginFailure, User
from portal.accounts.roles import Role
from portal.core.audit import AuditEntry
from portal.core.db import clock_at
from portal.core.errors import DomainError
from tests import factories


def test_each_role_lands_on_its_own_page(client, login, world):
    pages = {Role.DEALER_ADMIN: "/home/dealer", Role.DEALER_STAFF: "/home/dealer",
             Role.SALES_REP: "/home/rep", Role.CLERK: "/home/clerk",
             Role.TECHNICAL: "/home/technical", Role.FINANCE: "/home/finance",
             Role.ADMIN: "/home/admin"}
    for role, page in pages.items():
        login(world.users[role])
        response = client.get("/")
        assert response.headers["Location"] == page
        assert client.get(page).status_code == 200


def test_wrong_password_is_refused_next_to_the_field(client, world):
    response = client.post("/login", data={"username": "w_clerk", "password": "nope"})
    assert response.status_code == 422
    assert "用户名或密码错误" in response.get_data(as_text=True)


@pytest.mark.parametrize("target,expected", [
    ("/dealers/", "/dealers/"),
    ("https://evil.example/", "/"),
    ("//evil.example/x", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
])
def test_next_redirects_only_within_the_site(client, world, target, expected):
    response = client.post("/login", data={"username": "w_clerk",
                                           "password": factories.PASSWORD, "next": target})
    assert response.headers["Location"] == expected


def test_anonymous_page_request_goes_to_login_with_next(client):
    response = client.get("/dealers/?q=abc")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_htmx_request_after_expiry_gets_hx_redirect(client):
    response = client.get("/dealers/?q=a", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login"
    assert response.data == b""


def test_deactivation_ends_existing_sessions(client, login, world, db):
    clerk = world.users[Role.CLERK]
    login(clerk)
    assert client.get("/home/clerk").status_code == 200
    services.set_active(clerk, False, actor=world.users[Role.ADMIN], reason="left the company")
    db.session.commit()
    assert client.get("/home/clerk").status_code == 302
    entry = db.session.query(AuditEntry).filter_by(action="deactivate").one()
    assert (entry.from_state, entry.to_state, entry.reason) == ("active", "inactive",
                                                                "left the company")


def test_deactivated_user_cannot_sign_in(client, world, db):
    world.users[Role.CLERK].is_active_user = False
    db.session.commit()
    response = client.post("/login", data={"username": "w_clerk",
                                           "password": factories.PASSWORD})
    assert response.status_code == 422


def test_change_own_password(client, login, world, db):
    login(world.users[Role.FINANCE])
    response = client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": "short", "confirm": "short"})
    assert response.status_code == 422
    assert "至少 10 个字符" in response.get_data(as_text=True)
    response = client.post("/account/password", data={
        "current_password": "wrong-one-1", "new_password": "NewPassw0rd1",
        "confirm": "NewPassw0rd1"})
    assert "当前密码不正确" in response.get_data(as_text=True)
    response = client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": "NewPassw0rd1",
        "confirm": "NewPassw0rd1"})
    assert response.status_code == 303
    assert client.get("/home/finance").status_code == 200  # still signed in
    assert db.session.get(User, world.users[Role.FINANCE].id).check_password("NewPassw0rd1")


def test_reset_password_forces_a_change(client, login, world, db):
    admin, clerk = world.users[Role.ADMIN], world.users[Role.CLERK]
    login(admin)
    response = client.post(f"/admin/users/{clerk.id}/reset-password",
                           data={"password": "Temporary123"})
    assert response.status_code == 303
    login(clerk, password="Temporary123")
    response = client.get("/dealers/")
    assert response.headers["Location"] == "/account/password"


def test_password_rules():
    assert services.password_problem("abcdefghij")
    assert services.password_problem("1234567890")
    assert services.password_problem("abc123")
    assert services.password_problem("abcde12345")  # too common
    assert services.password_problem("harvest2026") is None


def test_authenticate_is_case_exact_and_counts(world, db):
    with pytest.raises(DomainError):
        services.authenticate("W_CLERK", factories.PASSWORD, "10.0.0.1")
    assert services.authenticate("w_clerk", factories.PASSWORD, "10.0.0.1").username == "w_clerk"


@pytest.fixture
def csrf_client(database_url, tmp_path):
    import os

    os.environ["PORTAL_INSTANCE_PATH"] = str(tmp_path)
    app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": database_url,
                      "SECRET_KEY": "x" * 40})
    return app.test_client()


def test_csrf_is_required_on_unsafe_requests(csrf_client):
    response = csrf_client.post("/login", data={"username": "a", "password": "b"})
    assert response.status_code == 400
    response = csrf_client.post("/language", data={"lang": "en"})
    assert response.status_code == 400


def test_htmx_sends_the_csrf_token_from_the_body(csrf_client):
    import json
    import re

    page = csrf_client.get("/login").get_data(as_text=True)
    headers = json.loads(re.search(r"hx-headers='([^']+)'", page).group(1))
    response = csrf_client.post("/language", data={"lang": "en"},
                                headers={"HX-Request": "true", **headers})
    assert response.status_code == 303


def test_forced_password_change_redirects_htmx_requests_too(client, login, world, db):
    clerk = world.users[Role.CLERK]
    clerk.must_change_password = True
    db.session.commit()
    login(clerk)
    response = client.get("/dealers/?q=x", headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == "/account/password"


def test_a_form_sent_after_the_session_ended_goes_to_the_login_page(csrf_client):
    """The expired session took its CSRF token along: sign in again, not a 400 page."""
    response = csrf_client.post("/service/1/route", data={"assignee": "dealer"},
                                headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login"
    response = csrf_client.post("/service/1/route", data={"assignee": "dealer"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"  # a form's address is no page to return to


def test_a_signed_in_user_without_the_csrf_token_still_gets_400(app, client, login, world,
                                                               monkeypatch):
    login(world.users[Role.CLERK])
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/service/1/route", data={"assignee": "dealer"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert "HX-Redirect" not in response.headers


# -- sessions end everywhere (issue 20) --------------------------------------------------------

def _second_browser(app, client=None):
    """Another test client; given ``client``, holding a copy of its session cookie."""
    other = app.test_client()
    if client is not None:
        other.set_cookie("session", client.get_cookie("session").value)
    return other


def test_a_cookie_copied_before_logout_no_longer_works(app, client, login, world):
    login(world.users[Role.CLERK])
    copy = _second_browser(app, client)
    assert copy.get("/home/clerk").status_code == 200
    assert client.post("/logout").status_code == 303
    assert copy.get("/home/clerk").status_code == 302
    assert client.get("/home/clerk").status_code == 302


def test_changing_ones_password_ends_the_other_sessions_and_renews_this_one(app, client,
                                                                           login, world):
    finance = world.users[Role.FINANCE]
    login(finance)
    copy, elsewhere = _second_browser(app, client), _second_browser(app)
    elsewhere.post("/login", data={"username": finance.username,
                                   "password": factories.PASSWORD})
    assert elsewhere.get("/home/finance").status_code == 200
    response = client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": "NewPassw0rd1",
        "confirm": "NewPassw0rd1"})
    assert response.status_code == 303
    assert client.get("/home/finance").status_code == 200  # this browser: a renewed session
    assert copy.get("/home/finance").status_code == 302  # its old cookie: ended
    assert elsewhere.get("/home/finance").status_code == 302


def test_a_password_reset_ends_the_users_sessions(app, client, login, world):
    admin, clerk = world.users[Role.ADMIN], world.users[Role.CLERK]
    elsewhere = _second_browser(app)
    elsewhere.post("/login", data={"username": clerk.username, "password": factories.PASSWORD})
    assert elsewhere.get("/home/clerk").status_code == 200
    login(admin)
    client.post(f"/admin/users/{clerk.id}/reset-password", data={"password": "Temporary123"})
    assert elsewhere.get("/home/clerk").status_code == 302


def _token_works(client, token) -> bool:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 200


def test_changing_ones_password_revokes_ones_api_tokens(client, login, world, db):
    finance, clerk = world.users[Role.FINANCE], world.users[Role.CLERK]
    token, others = services.issue_token(finance), services.issue_token(clerk)
    db.session.commit()
    assert _token_works(client, token)
    login(finance)
    client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": "NewPassw0rd1",
        "confirm": "NewPassw0rd1"})
    assert not _token_works(client, token)
    assert _token_works(client, others)  # another user's token is not touched
    assert db.session.query(AuditEntry).filter_by(action="revoke_token",
                                                  actor_id=finance.id).count() == 1


def test_a_password_reset_revokes_the_users_api_tokens(client, login, world, db):
    admin, clerk = world.users[Role.ADMIN], world.users[Role.CLERK]
    token = services.issue_token(clerk)
    db.session.commit()
    login(admin)
    client.post(f"/admin/users/{clerk.id}/reset-password", data={"password": "Temporary123"})
    assert not _token_works(client, token)


# -- sign-in does not tell which users exist (issue 20) ----------------------------------------

@pytest.fixture
def hash_checks(monkeypatch):
    """Every stored hash a password is verified against, in order."""
    from portal.accounts import models

    checked, real = [], models.check_password_hash

    def counting(stored, password):
        checked.append(stored)
        return real(stored, password)

    monkeypatch.setattr(models, "check_password_hash", counting)
    return checked


@pytest.mark.parametrize("username", ["nobody_here", "w_clerk_inactive", "w_clerk"])
def test_every_failed_sign_in_costs_one_hash_of_the_same_kind(username, world, db, hash_checks):
    clerk = world.users[Role.CLERK]
    if username == "w_clerk_inactive":
        clerk.is_active_user, username = False, "w_clerk"
        db.session.flush()
    with pytest.raises(DomainError):
        services.authenticate(username, "not-the-password-1", "10.0.0.9")
    assert len(hash_checks) == 1
    method = clerk.password_hash.split("$", 1)[0]
    assert hash_checks[0].split("$", 1)[0] == method  # the same work: method and rounds


# -- failed sign-ins slow down, never lock (issue 20) ------------------------------------------

T0 = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
GOOD = {"username": "w_clerk", "password": factories.PASSWORD}


def _at(seconds: float):
    return clock_at(T0 + timedelta(seconds=seconds))


def _fail(username: str, address: str, count: int, seconds: float = 0) -> None:
    """``count`` failures recorded at once, as a guesser's tries spread over the window are."""
    with _at(seconds):
        for _ in range(count):
            throttle.record_sign_in_failure(username, address)


def test_the_wait_doubles_up_to_its_cap():
    waits = [throttle.backoff_seconds(n, free=3, cap=300) for n in range(13)]
    assert waits == [0, 0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]


def test_failed_sign_ins_slow_the_next_ones_down(client, world, db, hash_checks):
    for second in range(3):
        with _at(second):
            client.post("/login", data={"username": "w_clerk", "password": "wrong-1"})
    with _at(3):  # the third failure, at 2 s, asks for 2 s
        response = client.post("/login", data=GOOD)
    assert response.status_code == 422
    assert "登录失败次数过多，请 1 秒后再试" in response.get_data(as_text=True)
    assert len(hash_checks) == 3  # the password was not even looked at while waiting
    assert db.session.query(LoginFailure).filter_by(username="w_clerk").count() == 3
    with _at(4):
        assert client.post("/login", data=GOOD).status_code == 303
    assert db.session.query(LoginFailure).filter_by(username="w_clerk").count() == 0


def test_a_guesser_elsewhere_holds_the_user_back_only_briefly(world, db, hash_checks):
    _fail("w_clerk", "6.6.6.6", 40)
    with _at(1):
        assert throttle.sign_in_wait("w_clerk", "6.6.6.6") == 299  # the guesser: 5 minutes
        assert throttle.sign_in_wait("w_clerk", "9.9.9.9") == 29  # the user: 30 s at most
        with pytest.raises(DomainError):
            services.authenticate("w_clerk", factories.PASSWORD, "9.9.9.9")
    assert hash_checks == []
    with _at(30):
        assert services.authenticate("w_clerk", factories.PASSWORD, "9.9.9.9")
        assert throttle.sign_in_wait("w_clerk", "6.6.6.6") == 270  # still counted there
    assert db.session.query(LoginFailure).filter_by(remote_addr="6.6.6.6").count() == 40


def test_an_address_guessing_many_names_slows_down(world, db):
    for name in "abcdefghijkl":
        _fail(f"user_{name}", "7.7.7.7", 1)
    with _at(1):
        assert throttle.sign_in_wait("w_clerk", "7.7.7.7") == 1
        assert throttle.sign_in_wait("w_clerk", "8.8.8.8") == 0
        assert throttle.sign_in_wait("user_a", "8.8.8.8") == 0


def test_failures_are_forgotten_after_the_window(world, db):
    _fail("w_clerk", "6.6.6.6", 40)
    _fail("w_clerk", "6.6.6.6", 1, seconds=14 * 60)
    with _at(15 * 60 - 1):  # 41 failures: 5 minutes from the last
        assert throttle.sign_in_wait("w_clerk", "6.6.6.6") == 241
    with _at(15 * 60 + 1):  # 1 failure: the other 40 are too old to count
        assert throttle.sign_in_wait("w_clerk", "6.6.6.6") == 0
        assert services.authenticate("w_clerk", factories.PASSWORD, "6.6.6.6")
