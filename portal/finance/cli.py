"""``flask notices …``: generate a month's write-off notices from cron."""

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from portal.accounts.cli import in_english
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.core.errors import DomainError
from portal.extensions import db
from portal.finance import runs
from portal.finance.run_forms import month_bounds

notices_cli = AppGroup("notices", help="Generate write-off notices.")


def _issuer(username: str | None) -> User:
    """The finance user the notices are issued by: the one named, else the first active one."""
    query = sa.select(User).where(User.role == Role.FINANCE, User.is_active_user.is_(True))
    if username:
        query = query.where(User.username == username)
    user = db.session.scalars(query.order_by(User.id).limit(1)).first()
    if user is None:
        raise click.ClickException(f"no active finance user {username or ''}".strip())
    return user


@notices_cli.command("generate")
@click.option("--period", required=True, help="The month, as 2026-10.")
@click.option("--user", "username", help="Issue as this finance user (default: the first).")
@in_english
def generate(period, username):
    """Issue every dealer's notice for PERIOD, dealer by dealer, printing the progress."""
    bounds = month_bounds(period)
    if bounds is None:
        raise click.BadParameter("expected a month such as 2026-10", param_hint="--period")
    actor = _issuer(username)
    try:
        run = runs.start_run(*bounds, actor=actor)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    run_id = run.id
    click.echo(f"run {run_id}: {bounds[0]} – {bounds[1]}, {run.dealers_total} dealers, "
               f"as {actor.username}")
    try:
        run = runs.execute_run(run_id, progress=lambda r: click.echo(
            f"  {r.dealers_done}/{r.dealers_total} dealers, {r.notices_made} notices"))
    except Exception as error:
        raise click.ClickException(f"run {run_id} failed: {error}; run it again to finish "
                                   "(claims already in a notice are skipped)") from error
    click.echo(f"run {run.id} {run.status.value}: {run.notices_made} notices made")
    if run.error:
        click.echo(run.error, err=True)
