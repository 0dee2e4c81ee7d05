"""``flask reports weekly``: generate a weekly report by hand; the job queue makes last week's
every Monday morning (``portal/reports/tasks.py``)."""

from datetime import date

import click
from flask.cli import AppGroup

from portal.accounts.cli import in_english
from portal.core.errors import DomainError
from portal.extensions import db
from portal.reports import weekly

reports_cli = AppGroup("reports", help="Generate reports.")


@reports_cli.command("weekly")
@click.option("--week", help="Any day of the week to report, as 2026-11-16 (default: last week).")
@in_english
def weekly_command(week):
    """Generate (or generate again) the weekly report of one week, as the scheduled run."""
    try:
        day = date.fromisoformat(week) if week else weekly.last_week()
    except ValueError:
        raise click.BadParameter("expected a date such as 2026-11-16",
                                 param_hint="--week") from None
    try:
        report = weekly.generate(weekly.monday_of(day))
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"weekly report {report.week_start} – {report.week_end} generated")
