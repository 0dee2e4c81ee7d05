"""The head-office dashboard, on the ``reports`` blueprint (endpoint ``reports.dashboard``): it
shows the figures the analytics snapshot keeps, so the view sits above both packages."""

from flask_login import current_user

from portal.analytics import snapshots
from portal.core.db import utcnow
from portal.core.htmx import render
from portal.dealers.scope import scoped
from portal.reports import dashboard as board
from portal.reports.views import bp, head_office


@bp.route("/dashboard")
@head_office
def dashboard():
    """Every head-office queue with its count and oldest item, today's alerts, what is
    overdue (a sales rep: only its dealers)."""
    now = utcnow()
    if scoped(current_user):  # a sales rep: its own dealers' counts, a few, counted now
        return render("reports/dashboard.html", **board.dashboard(current_user, now))
    figures, as_of = snapshots.dashboard_figures(now)
    return render("reports/dashboard.html", **board.dashboard(current_user, now, figures),
                  as_of=as_of)
