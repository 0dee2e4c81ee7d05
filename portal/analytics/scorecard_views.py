"""Dealer scorecards: the ranked table, one dealer's card with its trend, grade reviews."""

from datetime import date

from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.roles import signed_in
from portal.analytics import scorecard_svg, snapshots
from portal.analytics.access import can_compare_dealers, can_review_grade, can_review_grades
from portal.analytics.blueprint import bp
from portal.analytics.models import GradeReview, Recommendation
from portal.analytics.reviews import record_grade_review, reviews_query
from portal.analytics.scorecard_cells import (
    FIGURES,
    badge_cells,
    cells,
    tone_of_score,
    value,
)
from portal.analytics.scorecard_forms import GradeReviewForm
from portal.analytics.scorecards import (
    STANDARD_MONTHS,
    TREND_MONTHS,
    Period,
    month_starts,
    months_back,
    scorecards,
)
from portal.core.actions import form_action
from portal.core.db import shanghai_today, utcnow
from portal.core.downloads import download
from portal.core.excel import Column, write_sheet
from portal.core.forms import arg_date
from portal.core.htmx import render
from portal.core.pagination import request_page
from portal.core.permissions import requires
from portal.dealers.models import Dealer, DealerGrade
from portal.dealers.scope import get_dealer, visible_dealer_ids, visible_dealers
from portal.extensions import db

head_office = requires(can_compare_dealers)
reviewers = requires(can_review_grades)
PERIODS = STANDARD_MONTHS



def _period(today: date) -> tuple[Period, int | None, list]:
    """The period asked for: from–to when both are given and in order, else the last N months."""
    errors = []
    start, end = arg_date("start", errors), arg_date("end", errors)
    if start and end:
        if start <= end:
            return Period(start, end), None, errors
        errors.append(_("The start date is after the end date."))
    months = request.args.get("months", type=int)
    months = months if months in PERIODS else PERIODS[0]
    return months_back(months, today), months, errors


def _visible_ids() -> set[int]:
    return set(db.session.scalars(visible_dealers(current_user).with_only_columns(Dealer.id)))


def _cards(period, months, dealer_ids, trend: bool = True) -> tuple[list, Period, object]:
    """The scorecards of ``dealer_ids``: a standard period's from the snapshot (its period and
    as of when; without ``trend`` only the trend's scores), a period of the user's own dates
    counted now."""
    today, now = shanghai_today(), utcnow()
    if months:
        return snapshots.stored_scorecards(months, dealer_ids, today, now, trend=trend)
    return scorecards(period, today, now, dealers=dealer_ids), period, None


def _context(period, months, errors, as_of=None):
    # FIGURES' words translated once a page: the card prints each of them three times
    figures = [(key, str(label), str(target)) for key, label, target in FIGURES]
    return {"period": period, "months": months, "errors": errors, "periods": PERIODS,
            "as_of": as_of, "figures": figures, "cells": cells, "badge_cells": badge_cells,
            "tone_of_score": tone_of_score,
            "spark": scorecard_svg.svg}


@bp.route("/scorecards")
@head_office
def scorecards_index():
    """The dealers the user sees, ranked by score over the period, with a 12-month sparkline."""
    period, months, errors = _period(shanghai_today())
    cards, period, as_of = _cards(period, months, _visible_ids(), trend=False)
    lines = {c.dealer.id: scorecard_svg.line(c.trend_scores) for c in cards}
    grades = {grade: grade.title for grade in DealerGrade}  # translated once, not once a row
    return render("analytics/scorecards.html", cards=cards, lines=lines, grades=grades,
                  **_context(period, months, errors, as_of))


def scorecard_sheet(cards) -> bytes:
    """The ranked table as shown, each figure as a number with its numerator and denominator."""
    pct = "0.0"
    columns = [Column("rank", _("Rank"), width=6), Column("code", _("Dealer code")),
               Column("name", _("Dealer"), width=30), Column("grade", _("Grade"), width=8),
               Column("score", _("Score"), number_format=pct)]
    for key, label, _target in FIGURES[:-1]:
        columns.append(Column(key, label, width=14, number_format="0.00"))
    columns += [Column("complaints", _("Complaints"), width=10),
                Column("cards_on_time", _("Cards on time")), Column("cards_due", _("Cards due")),
                Column("arranged", _("Arranged in time")), Column("requests", _("Requests")),
                Column("parts_on_time", _("Parts on time")), Column("parts_due", _("Parts due")),
                Column("rejected", _("Claims rejected")), Column("decided", _("Claims decided")),
                Column("reached", _("Visits reached")), Column("visits", _("Visits due")),
                Column("rated", _("Ratings")), Column("sold", _("Units sold"))]
    rows = []
    for c in cards:
        f = c.figures
        rows.append([c.rank, c.dealer.code, c.dealer.name, c.dealer.grade.value.upper(),
                     c.score, *[value(f, key) for key, _l, _t in FIGURES],
                     f.cards_on_time, f.cards_due, f.arranged_on_time, f.requests,
                     f.parts_on_time, f.parts_due, f.claims_rejected, f.claims_decided,
                     f.visits_reached, f.visits_due, f.satisfaction_count, f.units_sold])
    return write_sheet(str(_("Dealer scorecards")), columns, rows)


@bp.route("/scorecards.xlsx")
@head_office
def scorecards_export():
    """The ranked table as an Excel sheet."""
    today = shanghai_today()
    period, _months, _errors = _period(today)
    cards = scorecards(period, today, utcnow(), trend=False, dealers=_visible_ids())
    return download(scorecard_sheet(cards), f"scorecards-{period.start}-{period.end}.xlsx")


def _charts(card, trend_cells: list) -> dict:
    """The score's line and each figure's, from the cells the trend table shows."""
    charts = {"score": scorecard_svg.line(card.trend_scores, width=360, height=90)}
    for index, (key, _label, _target) in enumerate(FIGURES):
        values = [row[index].value for row in trend_cells]
        top = 5 if key == "satisfaction" else (max([v for v in values if v] or [1])
                                               if key == "complaints" else 100)
        charts[key] = scorecard_svg.line(values, width=360, height=90, top=top)
    return charts


def _card_page(dealer, form=None):
    today = shanghai_today()
    period, months, errors = _period(today)
    cards, period, as_of = _cards(period, months, [dealer.id])
    if not cards:  # a dealer added since the snapshot: count its card now
        cards, as_of = scorecards(period, today, utcnow(), dealers=[dealer.id]), None
    card = cards[0]
    if form is None and can_review_grade(dealer, current_user):
        form = GradeReviewForm(data={"start": period.start, "end": period.end})
    reviews = db.session.scalars(reviews_query([dealer.id]).order_by(
        GradeReview.created_at.desc(), GradeReview.id.desc())).all()
    status = 422 if form is not None and form.errors else 200
    trend_cells = [cells(month) for month in card.trend]  # each month's, for table and charts
    return render("analytics/scorecard.html", status=status, form=form, card=card, dealer=dealer,
                       trend_cells=trend_cells, charts=_charts(card, trend_cells),
                       months_list=month_starts(TREND_MONTHS, today),
                       reviews=reviews, can_review=can_review_grade(dealer, current_user),
                       **_context(period, months, errors, as_of))


@bp.route("/scorecards/<id:dealer_id>")
@signed_in
def scorecard(dealer_id: int):
    """One dealer's card: its figures, the monthly trend, its grade reviews."""
    return _card_page(get_dealer(dealer_id, current_user))


@bp.route("/scorecards/<id:dealer_id>/reviews", methods=["POST"])
@reviewers
def record_review(dealer_id: int):
    """Record a grade recommendation with a snapshot of the scorecard."""
    dealer = get_dealer(dealer_id, current_user)
    form = GradeReviewForm()
    return form_action(form, lambda: record_grade_review(
        dealer, Period(form.start.data, form.end.data),
        recommendation=Recommendation(form.recommendation.data),
        grade_proposed=DealerGrade(form.grade_proposed.data), note=form.note.data,
        actor=current_user, today=shanghai_today(), now=utcnow()),
        success=_("Grade review recorded. The dealer's grade is unchanged until an "
                  "administrator edits the dealer."),
        done=lambda _r: url_for("analytics.scorecard", dealer_id=dealer.id,
                                start=form.start.data, end=form.end.data),
        again=lambda form: _refused_review(dealer, form))


def _refused_review(dealer, form):
    """The card again with the review form; an invalid form from someone who may not review
    is told so (the service says it when the form was valid)."""
    if getattr(form, "domain_error", None) is None and not can_review_grade(dealer, current_user):
        form.form_errors.append(_("Only the dealer's sales rep, a clerk or an administrator may "
                                  "record a grade review."))
    return _card_page(dealer, form=form)


@bp.route("/grade-reviews")
@head_office
def grade_reviews():
    """Every grade review of the dealers the user sees, newest first."""
    page = request_page(reviews_query(visible_dealer_ids(current_user)), GradeReview.created_at,
                        GradeReview.id, descending=True)
    return render("analytics/grade_reviews.html", "analytics/_grade_review_rows.html",
                  page=page)
