"""``flask users create`` and ``create-admin``: a dealer user needs its dealer and a sales rep its
dealers (by code), so these account commands sit above accounts, on its ``users`` group."""

import click
import sqlalchemy as sa

from portal.accounts import services
from portal.accounts.cli import fail, in_english, users_cli
from portal.accounts.roles import Role
from portal.core.errors import DomainError
from portal.dealers.models import Dealer
from portal.extensions import db


def _dealers(codes) -> list[Dealer]:
    found = db.session.scalars(sa.select(Dealer).where(Dealer.code.in_(codes))).all()
    missing = sorted(set(codes) - {d.code for d in found})
    if missing:
        fail(f"unknown dealer code(s): {', '.join(missing)}")
    return sorted(found, key=lambda d: d.code)


def _create(username, role, password, dealer_codes):
    dealers = _dealers(dealer_codes)
    role = Role(role)
    if role.is_dealer and len(dealers) != 1:
        fail(f"role {role.value} needs exactly one --dealer CODE")
    if dealers and role != Role.SALES_REP and not role.is_dealer:
        fail(f"role {role.value} does not take --dealer")
    try:
        user = services.create_user(
            username=username, display_name=username, role=role, password=password,
            dealer=dealers[0] if role.is_dealer else None,
            rep_dealers=dealers if role == Role.SALES_REP else (),
        )
    except DomainError as error:
        fail(f"{error.field or 'error'}: {error.message}")
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
