"""Generating write-off notices: choose the month, start the run, watch it, cancel it."""

import sqlalchemy as sa
from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from portal.core.actions import form_action
from portal.core.db import shanghai_today
from portal.core.errors import DomainError
from portal.core.htmx import render, render_form
from portal.core.permissions import requires
from portal.extensions import db
from portal.finance import access, runs, tasks
from portal.finance.models import NoticeRun, WriteOffNotice
from portal.finance.notices import eligible_summary, pending_months, proposed_month
from portal.finance.run_forms import GenerateForm, month_bounds
from portal.finance.views import bp

finance_only = requires(access.can_manage_notices)
run_readers = requires(access.can_read_notice_runs)


@bp.route("/notices/generate", methods=["GET", "POST"])
@finance_only
def generate():
    """Show what a month would issue per dealer; start generating its notices (on the queue)."""
    pending = None
    if request.method == "GET":  # the month comes in the query, else last month
        pending = pending_months(shanghai_today())
        form = GenerateForm(MultiDict({"period": request.args.get("period") or proposed_month(
            shanghai_today(), pending)}))
        form.period.validate(form)
    else:
        form = GenerateForm()
    return form_action(form, lambda: runs.start_run(*month_bounds(form.period.data),
                                                    actor=current_user),
                       then=lambda run: tasks.notice_run(run.id),
                       done=lambda run: url_for("finance.run", run_id=run.id),
                       again=lambda form: _generate_page(form, pending))


def _generate_page(form, pending=None):
    """What the month in the form would issue per dealer, and the latest runs (``pending``:
    the months waiting for a notice, when the caller has read them already)."""
    bounds = None if form.period.errors else month_bounds(form.period.data)
    summary = eligible_summary(bounds[1]) if bounds else []
    recent = db.session.scalars(
        sa.select(NoticeRun).options(joinedload(NoticeRun.started_by))
        .order_by(NoticeRun.started_at.desc(), NoticeRun.id.desc()).limit(10)
    ).all()
    return render_form("finance/generate.html", form, fragment="finance/_eligible.html",
                       bounds=bounds, summary=summary, recent=recent,
                       pending=pending_months(shanghai_today()) if pending is None else pending,
                       now_interrupted=runs.is_interrupted)


@bp.route("/runs/<id:run_id>")
@run_readers
def run(run_id):
    """Show a run's progress; while it runs, htmx polls this fragment every second."""
    notice_run = db.get_or_404(NoticeRun, run_id)
    made = db.session.scalars(
        sa.select(WriteOffNotice).where(WriteOffNotice.run_id == run_id)
        .options(joinedload(WriteOffNotice.dealer)).order_by(WriteOffNotice.number)
    ).all()
    return render("finance/run.html", "finance/_run_progress.html", run=notice_run,
                  notices=made, interrupted=runs.is_interrupted(notice_run),
                  active=runs.is_active(notice_run),
                  notice_pages="finance.notice" in current_app.view_functions)


@bp.route("/runs/<id:run_id>/cancel", methods=["POST"])
@finance_only
def cancel_run(run_id):
    """Ask a run to stop after the dealer in hand."""
    notice_run = db.get_or_404(NoticeRun, run_id)
    try:
        runs.cancel_run(notice_run, current_user)
        db.session.commit()
        flash(_("The run stops after the dealer in hand."), "success")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(url_for("finance.run", run_id=run_id), 303)
