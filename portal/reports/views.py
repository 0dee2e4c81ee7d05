"""The weekly report (list, generate, on screen, PDF) and the head-office dashboard.

Both are head office's: a dealer asking for them gets 404, as for any record outside its scope.
"""

from datetime import date
from functools import wraps

from flask import Blueprint, abort, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from portal.accounts.roles import signed_in
from portal.core.actions import form_action
from portal.core.db import utcnow
from portal.core.downloads import download
from portal.core.htmx import render, render_form
from portal.core.permissions import requires
from portal.extensions import db
from portal.reports import weekly
from portal.reports.access import can_generate_reports, can_read_reports
from portal.reports.forms import GenerateForm
from portal.reports.models import WeeklyReport

bp = Blueprint("reports", __name__)
LISTED = 20  # rows of a long list on screen (the PDF has them all)


def head_office(view):
    """Signed-in users only; a dealer's users get 404 (the page does not exist for them)."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not can_read_reports(current_user):
            abort(404)
        return view(*args, **kwargs)

    return signed_in(wrapped)


def _report_or_404(week_start: str) -> WeeklyReport:
    try:
        day = date.fromisoformat(week_start)
    except ValueError:
        abort(404)
    report = weekly.get_report(day)
    if report is None:
        abort(404)
    return report


@bp.route("/reports/weekly")
@head_office
def weekly_index():
    """List the generated weeks, newest first, with the form to generate one (last week by
    default)."""
    form = GenerateForm(MultiDict({"week_start": weekly.last_week().isoformat()}))
    return _index_page(form)


@bp.route("/reports/weekly", methods=["POST"])
@requires(can_generate_reports)
def generate_weekly():
    """Generate a week's report (again), then show it."""
    form = GenerateForm()
    return form_action(form, lambda: weekly.generate(
        form.week_start.data, actor=current_user, now=utcnow()),
        success=lambda report: _("The report of the week from %(day)s is ready.",
                                 day=report.week_start.isoformat()),
        done=lambda report: url_for("reports.weekly_report",
                                    week_start=report.week_start.isoformat()),
        again=_index_page)


def _index_page(form):
    return render_form("reports/weekly_index.html", form, reports=weekly.reports_list())


@bp.route("/reports/weekly/<week_start>")
@head_office
def weekly_report(week_start):
    """Show one week's report as it was generated; of a long list, the first rows (the PDF
    has them all)."""
    report = _report_or_404(week_start)
    return render("reports/weekly.html", report=report, f=weekly.stored_figures(report),
                  listed=LISTED)


@bp.route("/reports/weekly/<week_start>.pdf")
@head_office
def weekly_pdf(week_start):
    """Download the week's stored PDF."""
    report = _report_or_404(week_start)
    pdf = db.session.scalar(db.select(WeeklyReport.pdf).where(WeeklyReport.id == report.id))
    if not pdf:
        abort(404)
    return download(pdf, f"weekly-report-{report.week_start.isoformat()}.pdf")
