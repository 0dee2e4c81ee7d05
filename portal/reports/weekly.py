"""The weekly report (日结周报): one week's figures, computed once, stored with their PDF.

The figures are plain JSON so that the page and the PDF show what was generated, not what the
data says today; generating a week again replaces both, and the audit trail keeps the change.
"""

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import defer

from portal.core import audit
from portal.core.db import SHANGHAI, utcnow
from portal.core.errors import DomainError
from portal.core.pdf import render_pdf
from portal.extensions import db
from portal.reports import sections
from portal.reports.models import WeeklyReport
from portal.reports.sections import Week


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def last_week(now: datetime | None = None) -> date:
    """The Monday of the week before the current one (Shanghai dates)."""
    today = (now or utcnow()).astimezone(SHANGHAI).date()
    return monday_of(today) - timedelta(days=7)


def check_week(week_start: date, now: datetime | None = None) -> None:
    """A report covers a whole week that has begun: its Monday, not a later one."""
    if week_start.weekday() != 0:
        raise DomainError(_("A week starts on a Monday."), field="week_start")
    today = (now or utcnow()).astimezone(SHANGHAI).date()
    if week_start > today:
        raise DomainError(_("This week has not begun yet."), field="week_start")


def figures(week_start: date, *, now: datetime | None = None) -> dict:
    """The week's figures, JSON-able, with the previous week's headline for comparison."""
    now = now or utcnow()
    week = Week(week_start)
    return {
        "week_start": week.start.isoformat(), "week_end": week.end.isoformat(),
        "as_of": sections.moment(now),
        "visits": sections.visits(week),
        "complaints": sections.complaints(week, now),
        "requests": sections.requests(week, now),
        "alerts": sections.alerts(),
        "failures": sections.failures(week),
        "cost": sections.cost(week),
        "headline": sections.headline(week),
        "previous": sections.headline(week.previous()),
    }


def render_report_pdf(report: WeeklyReport) -> bytes:
    """The report as an A4 PDF, in the portal's default language (it goes to the meeting)."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return render_pdf(render_template("reports/weekly_pdf.html", report=report,
                                          f=report.figures))


def generate(week_start: date, *, actor=None, now: datetime | None = None) -> WeeklyReport:
    """Compute the week's figures, render its PDF and store both, replacing an earlier run.

    ``actor`` None is the scheduled run. The caller commits.
    """
    now = now or utcnow()
    check_week(week_start, now)
    report = db.session.scalar(sa.select(WeeklyReport).where(
        WeeklyReport.week_start == week_start))
    again = report is not None
    if report is None:
        report = WeeklyReport(week_start=week_start, week_end=week_start + timedelta(days=6))
        db.session.add(report)
    report.figures = figures(week_start, now=now)
    report.generated_at, report.generated_by_id = now, actor.id if actor else None
    report.pdf = render_report_pdf(report)
    audit.record("regenerate" if again else "generate", report,
                 actor=actor if actor else audit.SYSTEM,
                 changes={"generated_at": (None, sections.moment(now))})
    return report


def reports_list(limit: int = 104) -> list[WeeklyReport]:
    """The generated weeks, newest first (two years by default), without their PDFs."""
    return list(db.session.scalars(
        sa.select(WeeklyReport).order_by(WeeklyReport.week_start.desc()).limit(limit)))


def get_report(week_start: date) -> WeeklyReport | None:
    """The week's report, its figures not read yet (``stored_figures`` reads them)."""
    return db.session.scalar(sa.select(WeeklyReport).options(defer(WeeklyReport.figures))
                             .where(WeeklyReport.week_start == week_start))


_parsed: dict[tuple, dict] = {}  # (id, generated_at) → the report's figures, in this process
PARSED_KEPT = 8


def stored_figures(report: WeeklyReport) -> dict:
    """The report's stored figures, parsed once per generation in each process: they never
    change until the week is generated again (a new ``generated_at``), and their JSON grows with
    the data (every open alert: half a megabyte, some 3 ms to parse, at production scale)."""
    key = (report.id, report.generated_at)
    found = _parsed.get(key)
    if found is None:
        found = report.figures
        if len(_parsed) >= PARSED_KEPT:
            _parsed.pop(next(iter(_parsed)), None)
        _parsed[key] = found
    return found


@sa.event.listens_for(WeeklyReport.figures, "set")
def _forget_parsed(target, value, oldvalue, initiator):
    """Figures written in this process (generating a week, again): no parsed copy is trusted
    any more, whatever its key (a new report's id is not known until it is flushed)."""
    _parsed.clear()
