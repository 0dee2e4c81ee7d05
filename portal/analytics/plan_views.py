"""The stocking plans' overview, on the ``planning`` blueprint (endpoint ``planning.index``): a
dealer's seasons, or head office's overview of one season, whose counts of the dealers asked and
of the plans submitted come from the analytics snapshot (they read every active dealer), so the
view sits above both packages."""

from flask import current_app, request
from flask_login import current_user

from portal.accounts.roles import signed_in
from portal.analytics import snapshots
from portal.catalog.models import Season
from portal.core.converters import record_id
from portal.core.db import shanghai_today
from portal.core.htmx import render
from portal.dealers.scope import scoped
from portal.planning import access
from portal.planning.blueprint import bp
from portal.planning.forms import OpenForm
from portal.planning.overview import (
    OVERVIEW_SEASONS,
    dealer_seasons,
    planning_seasons,
    season_overview,
)


def _picked_season(seasons: list[Season], today) -> Season | None:
    """The season asked for, else the next one still running or to come, else the latest."""
    wanted = request.args.get("season", type=record_id)
    if chosen := next((s for s in seasons if s.id == wanted), None):
        return chosen
    running = [s for s in seasons if s.end_on >= today]
    return running[-1] if running else (seasons[0] if seasons else None)



@bp.route("")
@signed_in
def index():
    """A dealer's seasons and plans; head office's overview of one season's dealers."""
    today = shanghai_today()
    if access.can_draft_plans(current_user):
        return render("planning/dealer_index.html", items=dealer_seasons(current_user.dealer,
                                                                          today),
                      open_form=OpenForm(), today=today)
    seasons = planning_seasons(limit=OVERVIEW_SEASONS)
    season = _picked_season(seasons, today)
    missing_only = request.args.get("missing") == "1"
    # Head office's counts read every active dealer: from the plans snapshot (a rep's, live).
    counts, counts_as_of = (None, None) if not season or scoped(current_user) \
        else snapshots.plan_counts(season.id)
    overview = season_overview(season, current_user, today=today, missing_only=missing_only,
                               after=request.args.get("after"), counts=counts,
                               size=current_app.config["PAGE_SIZE"]) if season else None
    return render("planning/index.html", "planning/_overview_rows.html", seasons=seasons,
                  season=season, overview=overview, missing_only=missing_only, today=today,
                  counts_as_of=counts_as_of)
