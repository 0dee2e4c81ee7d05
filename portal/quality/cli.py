"""``flask alerts check``: the early-warning check by hand; the job queue runs it every night
(``portal/quality/tasks.py``). ``flask alerts simulate``: the check on made-up fields, the
figures the README quotes (``portal/quality/simulation.py``)."""

import click
from flask.cli import AppGroup

from portal.accounts.cli import in_english
from portal.extensions import db
from portal.quality import simulation, warning

alerts_cli = AppGroup("alerts", help="Early warning on production batches.")


@alerts_cli.command("check")
@in_english
def check():
    """Test every key part and batch; raise and refresh alerts; print what was raised."""
    run = warning.check()
    raised = warning.raised_by(run)
    db.session.commit()
    click.echo(f"run {run.id}: {run.pairs_checked} part/batch pairs tested, "
               f"{run.alerts_raised} alerts raised, {run.alerts_updated} updated, "
               f"{run.alerts_closed} closed (no longer stand out); "
               f"p cut-off {float(run.p_cutoff):.3g} at a false alert rate of "
               f"{float(run.false_alert_rate):.0%}")
    for alert in raised:
        click.echo(f"  raised: {alert.part.part_number} batch {alert.batch}: "
                   f"{alert.failures} failures, {alert.expected} expected, p = {alert.p_value}")


@alerts_cli.command("simulate")
@click.option("--seeds", default=100, show_default=True, help="Fields drawn per size.")
@click.option("--units", default="50,100,200,400", show_default=True,
              help="Units per batch, comma-separated: one line each.")
@in_english
def simulate(seeds, units):
    """Check made-up fields: with no bad batch, and with one planted at 2x, 3x, 5x."""
    for size in (int(u) for u in units.split(",")):
        scenario = simulation.Scenario(units_per_batch=size)
        click.echo(simulation.summarise(scenario, range(1, seeds + 1)).line())
