"""``flask users …``: account commands that deployment scripts rely on."""

from functools import wraps

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from portal.accounts import services
from portal.extensions import db

users_cli = AppGroup("users", help="Create users and API tokens.")


def in_english(command):
    """Operators' scripts read these messages: keep them English whatever the default."""

    @wraps(command)
    def wrapped(*args, **kwargs):
        with force_locale("en"):
            return command(*args, **kwargs)

    return wrapped


def fail(message: str):
    db.session.rollback()
    raise click.ClickException(message)




@users_cli.command("token")
@click.argument("username")
@in_english
def token(username):
    """Print a new API token for USERNAME (the last line of output)."""
    user = services.find_user(username)
    if user is None:
        fail(f"no such user: {username}")
    if not user.is_active:
        fail(f"user {username} is deactivated")
    value = services.issue_token(user)
    db.session.commit()
    click.echo(f"API token for {user.username} (shown once, store it safely):")
    click.echo(value)
