"""Policy settings, operating/selling seasons and the legal-minimum period table."""

import sqlalchemy as sa
from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.roles import signed_in
from portal.catalog import services
from portal.catalog.forms import LegalMinimumForm, PolicyForm, SeasonForm
from portal.catalog.models import LegalMinimum, ModelCategory, PolicySettings, Season, SeasonKind
from portal.catalog.views import admin_only, bp, editing
from portal.core import audit
from portal.core.actions import form_action
from portal.core.forms import deleted
from portal.core.htmx import render
from portal.extensions import db

POLICY_FIELDS = ("card_deadline_days", "arrange_deadline_hours", "check_deadline_hours",
                 "return_date_1_month", "return_date_1_day", "return_date_2_month",
                 "return_date_2_day", "plan_lead_days", "parts_markup_percent",
                 "duplicate_window_days", "late_claim_days", "auto_approve", "auto_max_total",
                 "auto_sample_percent", "good_standing_days", "hold_overdue_days",
                 "maker_name", "maker_address", "maker_phone", "maker_tax_no", "maker_service_line",
                 "delivery_confirm_days", "alert_false_rate", "alert_min_failures")


@bp.route("/policy")
@signed_in
def policy():
    """Show the maker's policy settings, the legal minimums and the seasons."""
    settings = PolicySettings.current()
    legal = db.session.scalars(sa.select(LegalMinimum)).all()
    legal.sort(key=lambda row: list(ModelCategory).index(row.category))
    seasons = db.session.scalars(sa.select(Season).order_by(Season.start_on.desc())).all()
    return render("catalog/policy.html", settings=settings, legal=legal, seasons=seasons,
                  plan_due={s.id: s.plan_due_on(settings.plan_lead_days) for s in seasons},
                  history=audit.history(settings, limit=10))


@bp.route("/policy/edit", methods=["GET", "POST"])
@admin_only
def edit_policy():
    """Change the policy settings."""
    settings = PolicySettings.current()
    form = PolicyForm(obj=settings)
    return form_action(form, lambda: services.save_policy(
        {k: _stripped(getattr(form, k).data) for k in POLICY_FIELDS}, actor=current_user),
        success=_("Policy settings saved."), done=url_for("catalog.policy"),
        again=lambda form: render("catalog/policy_form.html", form=form))


def _stripped(value):
    return (value or "").strip() if isinstance(value, str | None) else value


@bp.route("/legal/<category>/edit", methods=["GET", "POST"])
@admin_only
def edit_legal(category):
    """Change one row of the legal-minimum period table."""
    if category not in {c.value for c in ModelCategory}:
        abort(404)
    legal = db.get_or_404(LegalMinimum, ModelCategory(category))
    form = LegalMinimumForm(obj=legal)
    return form_action(form, lambda: services.save_legal_minimum(legal, {
        "whole_months": form.whole_months.data,
        "main_parts_months": form.main_parts_months.data,
        "main_parts_named": (form.main_parts_named.data or "").strip(),
    }, actor=current_user),
        success=_("Legal minimum for %(category)s saved.", category=legal.category.title),
        done=url_for("catalog.policy"),
        again=lambda form: render("catalog/legal_form.html", form=form, legal=legal))


@bp.route("/seasons/new", methods=["GET", "POST"], defaults={"season_id": None})
@bp.route("/seasons/<id:season_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_season(season_id):
    """Create or edit an operating or selling season."""
    season, form = editing(Season, season_id, SeasonForm)
    if season and request.method == "GET":
        form.kind.data = season.kind.value
    return form_action(form, lambda: services.save_season(season, {
        "name": form.name.data.strip(), "kind": SeasonKind(form.kind.data),
        "start_on": form.start_on.data, "end_on": form.end_on.data,
        "categories": sorted(form.categories.data), "provinces": sorted(form.provinces.data),
        "plan_required": form.plan_required.data}, actor=current_user),
        success=_("Season saved."), done=url_for("catalog.policy"),
        again=lambda form: render("catalog/season_form.html", form=form, season=season,
                                  lead_days=PolicySettings.current().plan_lead_days))


@bp.route("/seasons/<id:season_id>/delete", methods=["POST"])
@admin_only
def delete_season(season_id):
    """Delete a season."""
    season = db.get_or_404(Season, season_id)
    services.delete_season(season, actor=current_user)
    db.session.commit()
    return deleted(_("Season deleted."), url_for("catalog.policy"))
