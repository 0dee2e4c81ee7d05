"""``flask alerts check``: the early-warning check by hand; the job queue runs it every night
(``portal/quality/tasks.py``)."""

import click
from flask.cli import AppGroup

from portal.accounts.cli import in_english
from portal.extensions import db
from portal.quality import warning

alerts_cli = AppGroup("alerts", help="Early warning on production batches.")


@alerts_cli.command("check")
@in_english
def check():
    """Test every key part and batch; raise and refresh alerts; print what was raised."""
    run = warning.check()
    raised = warning.raised_by(run)
    db.session.commit()
    click.echo(f"run {run.id}: {run.pairs_checked} part/batch pairs tested, "
               f"{run.alerts_raised} alerts raised, {run.alerts_updated} updated")
    for alert in raised:
        click.echo(f"  raised: {alert.part.part_number} batch {alert.batch}: "
                   f"{alert.failures} failures, {alert.expected} expected, p = {alert.p_value}")
