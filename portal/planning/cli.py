"""``flask plans keep-last-season``: the plans opened before a line's basis kept what last
season planned, bought and used of its part get it now, so their page need not read the
dealer's claims and deliveries on every view (it still does for a line without it)."""

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from portal.accounts.cli import in_english
from portal.extensions import db
from portal.planning.models import StockingPlan
from portal.planning.services import keep_last_season

plans_cli = AppGroup("plans", help="Stocking plans.")


@plans_cli.command("keep-last-season")
@in_english
def keep_last_season_command():
    """Keep last season's figures on every plan line without them; run again, it changes
    nothing."""
    plans = lines = 0
    for plan_id in db.session.scalars(sa.select(StockingPlan.id).order_by(StockingPlan.id)).all():
        kept = keep_last_season(db.session.get(StockingPlan, plan_id))
        if kept:
            plans, lines = plans + 1, lines + kept
            db.session.commit()
    click.echo(f"{lines} lines of {plans} plans keep last season's figures")
