"""Write operations on accounts: each changes state, records it in the audit trail, returns."""

import re
import secrets
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.accounts import throttle
from portal.accounts.models import ApiToken, User, password_matches
from portal.accounts.roles import DEALER_ROLES, Role
from portal.core import audit
from portal.core.db import commit_apart, utcnow
from portal.core.errors import DomainError
from portal.extensions import db

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
PASSWORD_RULE = _l("At least 10 characters, with letters and digits.")
PASSWORD_MAX = 128
COMMON_PASSWORDS = frozenset(
    line for line in Path(__file__).with_name("common_passwords.txt").read_text().splitlines()
    if line and not line.startswith("#")
)


def password_problem(password: str, username: str = "") -> str | None:
    """Why a password is not acceptable, or None."""
    if len(password) > PASSWORD_MAX:
        return _("At most %(max)d characters.", max=PASSWORD_MAX)
    if len(password) < 10 or not re.search(r"[A-Za-z]", password) or not re.search(
        r"\d", password
    ):
        return str(PASSWORD_RULE)
    if len(username) >= 4 and username.lower() in password.lower():  # "rep" may stay
        return _("The password must not contain the username.")
    if password.lower() in COMMON_PASSWORDS:
        return _("This password is too common; choose another.")
    return None


def load_user_from_session(user_key: str) -> User | None:
    """The user a session cookie names, if that session has not been ended since.

    The cookie holds ``<id>:<epoch>`` (``User.get_id``); ``end_sessions`` moves the epoch on,
    so every cookie issued before (a copy included) names an epoch that no longer matches.
    """
    user_id, _sep, epoch = user_key.partition(":")
    if not user_id.isdigit() or not epoch.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_epoch != int(epoch):
        return None
    return user


def end_sessions(user: User) -> None:
    """End every session of ``user`` in every browser, copies of its cookie included.

    Sessions live in signed cookies, not on the server: moving the epoch on is what ends them.
    """
    user.session_epoch += 1


def find_user(username: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.username == username.strip()))


def authenticate(username: str, password: str, remote_addr: str) -> User:
    """Return the user these credentials name, or raise; failures are counted and slow the
    next tries down (``portal.accounts.throttle``), the password unchecked while they wait."""
    if seconds := throttle.sign_in_wait(username, remote_addr):
        raise DomainError(_("Too many failed sign-ins. Try again in %(seconds)d seconds.",
                            seconds=seconds))
    user = find_user(username)
    # The password is checked first, even for an unknown or deactivated user: every refusal
    # costs one hash, so its time does not tell whether the username exists.
    if not password_matches(user, password) or not user.is_active:
        throttle.record_sign_in_failure(username, remote_addr)
        raise DomainError(_("Wrong username or password, or the account is deactivated."))
    throttle.clear_sign_in_failures(username, remote_addr)
    user.last_login_at = utcnow()
    audit.record("sign_in", user, actor=user)
    return user


def _check_assignment(role: Role, dealer) -> None:
    if role in DEALER_ROLES and dealer is None:
        raise DomainError(_("A dealer user must belong to a dealer."), field="dealer_id")


def create_user(*, username, display_name, role, password, dealer=None, rep_dealers=(),
                phone="", email="", actor=None) -> User:
    """Create an account; dealer users belong to one dealer, a rep gets a set of dealers."""
    role = Role(role)
    if not USERNAME_RE.match(username or ""):
        raise DomainError(_("3–64 letters, digits, dot, dash or underscore."), field="username")
    if find_user(username):
        raise DomainError(_("This username is already taken."), field="username")
    if problem := password_problem(password, username):
        raise DomainError(problem, field="password")
    _check_assignment(role, dealer)
    user = User(username=username, display_name=display_name or username, role=role,
                dealer=dealer if role in DEALER_ROLES else None, phone=phone, email=email,
                must_change_password=actor is not None)
    user.set_password(password)
    db.session.add(user)
    audit.record("create", user, actor=actor, to_state=role,
                 changes={"dealer": (None, dealer.code if dealer else None)})
    if role == Role.SALES_REP:
        assign_rep_dealers(user, rep_dealers, actor=actor)
    return user


def assign_rep_dealers(rep: User, dealers, actor=None) -> None:
    """Make ``rep`` the sales rep of exactly these dealers."""
    wanted = {d.id for d in dealers}
    before = sorted(d.code for d in rep.rep_dealers)
    for dealer in list(rep.rep_dealers):
        if dealer.id not in wanted:
            dealer.sales_rep = None
    for dealer in dealers:
        dealer.sales_rep = rep
    after = sorted(d.code for d in dealers)
    if before != after:
        audit.record("assign_dealers", rep, actor=actor, changes={"dealers": (before, after)})


def update_user(user: User, *, display_name, role, dealer, rep_dealers, phone, email,
                actor) -> None:
    """Change a user's name, contact, role and dealer assignment."""
    role = Role(role)
    _check_assignment(role, dealer)
    if user.id == getattr(actor, "id", None) and role != user.role:
        raise DomainError(_("You cannot change your own role."), field="role")
    old_role = user.role
    changes = audit.apply_changes(user, {
        "display_name": display_name, "phone": phone, "email": email,
        "dealer_id": dealer.id if dealer and role in DEALER_ROLES else None,
    })
    if role != old_role:
        user.role = role
        end_sessions(user)
    if changes or role != old_role:
        audit.record("update", user, actor=actor, from_state=old_role, to_state=role,
                     changes=changes)
    assign_rep_dealers(user, rep_dealers if role == Role.SALES_REP else [], actor=actor)


def set_active(user: User, active: bool, *, actor, reason: str = "") -> None:
    """Deactivate (ending every session) or reactivate an account."""
    if user.id == getattr(actor, "id", None) and not active:
        raise DomainError(_("You cannot deactivate your own account."))
    if user.is_active_user == active:
        return
    user.is_active_user = active
    end_sessions(user)
    audit.record("reactivate" if active else "deactivate", user, actor=actor,
                 from_state="active" if not active else "inactive",
                 to_state="active" if active else "inactive", reason=reason)


def reset_password(user: User, new_password: str, *, actor) -> None:
    """Set a temporary password the user must change at next sign-in."""
    if problem := password_problem(new_password, user.username):
        raise DomainError(problem, field="password")
    user.set_password(new_password)
    user.must_change_password = True
    end_sessions(user)
    revoke_tokens(user, actor=actor)
    audit.record("reset_password", user, actor=actor)


def change_password(user: User, current: str, new_password: str) -> None:
    """Let a user replace their own password after proving the current one."""
    if not user.check_password(current):
        raise DomainError(_("The current password is wrong."), field="current_password")
    if problem := password_problem(new_password, user.username):
        raise DomainError(problem, field="new_password")
    if user.check_password(new_password):
        raise DomainError(_("Choose a password different from the current one."),
                          field="new_password")
    user.set_password(new_password)
    user.must_change_password = False
    end_sessions(user)
    revoke_tokens(user, actor=user)
    audit.record("change_password", user, actor=user)


def issue_token(user: User, actor=None) -> str:
    """Create an API token for ``user``; the plain token is returned once, only its hash kept."""
    token = "sbp_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=ApiToken.hash(token)))
    audit.record("issue_token", user, actor=actor)
    return token


TOKEN_USE_RESOLUTION = timedelta(minutes=1)  # how exactly a token's last use is kept


def user_for_token(token: str) -> User | None:
    """The active user a bearer token belongs to, marking the token used."""
    api_token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(token),
                                  ApiToken.revoked_at.is_(None))
    )
    if api_token is None or not api_token.user.is_active:
        return None
    user = api_token.user
    note_token_use(api_token)
    return user


def note_token_use(api_token: ApiToken) -> None:
    """Keep when a token was last used, to the minute: most calls write nothing, and the one
    a minute that does commits it in a short transaction of its own (``commit_apart``), never
    in the caller's transaction, which has read already, so calls at once never fail on it."""
    now = utcnow()
    if api_token.last_used_at and now - api_token.last_used_at < TOKEN_USE_RESOLUTION:
        return
    token_id = api_token.id
    commit_apart(db.session(), lambda: db.session.execute(
        sa.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now)))


def revoke_token(token: ApiToken, *, actor) -> None:
    """Stop a token from working, at once and for good."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record("revoke_token", token.user, actor=actor,
                     changes={"token": (token.id, None)})


def revoke_tokens(user: User, *, actor) -> None:
    """Revoke every token of ``user``: a new password (the old one may have leaked) leaves no
    program signed in with what the old one let someone make."""
    for token in db.session.scalars(sa.select(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))):
        revoke_token(token, actor=actor)
