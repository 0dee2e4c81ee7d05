"""``flask analytics refresh``: recompute the analytics snapshots (portal.analytics.snapshots).

Pages show a snapshot however old it is, with its "as of", and never write. The job queue
refreshes them every 15 minutes (``portal/analytics/tasks.py``), within the
ANALYTICS_SNAPSHOT_MINUTES the pages promise; run this once after deploying, or by hand.
"""

import time

import click
from flask.cli import AppGroup

from portal.accounts.cli import in_english
from portal.analytics.snapshots import refresh_all
from portal.core.db import shanghai_today, utcnow
from portal.extensions import db

analytics_cli = AppGroup("analytics", help="Snapshots of the analytics over all the data.")


@analytics_cli.command("refresh")
@in_english
def refresh():
    """Recompute the failure overview, every dealer's scorecards, head office's dashboard
    tiles and the home pages' big counts; print what took how long."""
    started = time.monotonic()
    names = refresh_all(shanghai_today(), utcnow())
    db.session.commit()
    click.echo(f"refreshed {', '.join(names)} in {time.monotonic() - started:.1f} s")
