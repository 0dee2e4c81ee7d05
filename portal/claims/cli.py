"""``flask entitlements raise``: the entitlements that arise with the calendar, not a filing.

A repair not finished within 30 working days of hand-in entitles the buyer to an exchange on the
day that passes, while the repair is still open (2010 规定 第二十八条); no page raises it (a GET
never writes). The job queue runs it every morning (``portal/claims/tasks.py``); this is the
same by hand, for any day.
"""

from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from portal.accounts.cli import in_english
from portal.claims.entitlements import raise_overdue_repairs
from portal.core.db import shanghai_today
from portal.extensions import db

entitlements_cli = AppGroup("entitlements", help="Entitlements to exchange or refund.")


@entitlements_cli.command("raise")
@click.option("--today", help="The day to raise them for, as 2026-12-07 (default: today).")
@in_english
def raise_command(today):
    """Raise the exchange entitlement of every open repair past 30 working days; run again on
    the same day, it raises nothing new."""
    try:
        day = date.fromisoformat(today) if today else shanghai_today()
    except ValueError:
        raise click.BadParameter("expected a date such as 2026-12-07",
                                 param_hint="--today") from None
    # The reasons are kept for the portal's users: in its default language, as a page would.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        raised = raise_overdue_repairs(day)
    db.session.commit()
    click.echo(f"{day}: {len(raised)} exchange entitlements raised")
    for flag in raised:
        click.echo(f"  {flag.unit.serial}: repair {flag.claim.number} handed in on "
                   f"{flag.claim.handed_in_on}")
