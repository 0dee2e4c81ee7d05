"""``flask users …``: account commands that deployment scripts rely on."""

from functools import wraps

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from flask_babel import force_locale

from portal.accounts import services
from portal.accounts.roles import Role
from portal.core.errors import DomainError
from portal.dealers.models import Dealer
from portal.extensions import db

users_cli = AppGroup("users", help="Create users and API tokens.")


def in_english(command):
    """Operators' scripts read these messages: keep them English whatever the default."""

    @wraps(command)
    def wrapped(*args, **kwargs):
        with force_locale("en"):
            return command(*args, **kwargs)

    return wrapped


def _fail(message: str):
    db.session.rollback()
    raise click.ClickException(message)


def _dealers(codes) -> list[Dealer]:
    found = db.session.scalars(sa.select(Dealer).where(Dealer.code.in_(codes))).all()
    missing = sorted(set(codes) - {d.code for d in found})
    if missing:
        _fail(f"unknown dealer code(s): {', '.join(missing)}")
    return sorted(found, key=lambda d: d.code)


def _create(username, role, password, dealer_codes):
    dealers = _dealers(dealer_codes)
    role = Role(role)
    if role.is_dealer and len(dealers) != 1:
        _fail(f"role {role.value} needs exactly one --dealer CODE")
    if dealers and role != Role.SALES_REP and not role.is_dealer:
        _fail(f"role {role.value} does not take --dealer")
    try:
        user = services.create_user(
            username=username, display_name=username, role=role, password=password,
            dealer=dealers[0] if role.is_dealer else None,
            rep_dealers=dealers if role == Role.SALES_REP else (),
        )
    except DomainError as error:
        _fail(f"{error.field or 'error'}: {error.message}")
    db.session.commit()
    click.echo(f"created {role.value} {user.username}")


@users_cli.command("create-admin")
@click.argument("username")
@click.option("--password", required=True, help="At least 10 characters, letters and digits.")
@in_english
def create_admin(username, password):
    """Create an administrator."""
    _create(username, Role.ADMIN.value, password, ())


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--password", required=True, help="At least 10 characters, letters and digits.")
@click.option("--dealer", "dealers", multiple=True, help="Dealer code; repeat for a sales rep.")
@in_english
def create(username, role, password, dealers):
    """Create a user with a role (and dealer, or a rep's dealers)."""
    _create(username, role, password, dealers)


@users_cli.command("token")
@click.argument("username")
@in_english
def token(username):
    """Print a new API token for USERNAME (the last line of output)."""
    user = services.find_user(username)
    if user is None:
        _fail(f"no such user: {username}")
    if not user.is_active:
        _fail(f"user {username} is deactivated")
    value = services.issue_token(user)
    db.session.commit()
    click.echo(f"API token for {user.username} (shown once, store it safely):")
    click.echo(value)
