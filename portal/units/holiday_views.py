"""The official holidays of each year, entered by the administrator from the State Council's
notice: a year's list with add and remove, beside the other policy pages of the catalogue."""

from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.roles import signed_in
from portal.catalog.views import bp
from portal.core.actions import form_action
from portal.core.db import shanghai_today
from portal.core.forms import deleted
from portal.core.htmx import render
from portal.core.permissions import requires
from portal.extensions import db
from portal.units import calendar, holidays
from portal.units.access import can_enter_holidays
from portal.units.forms import OfficialDayForm

enters_holidays = requires(can_enter_holidays)


def _year() -> int:
    """The year asked for (``?year=``), this year when none or nonsense is given."""
    year = request.args.get("year", type=int)
    return year if year is not None and 2000 <= year <= 2100 else shanghai_today().year


def _form() -> OfficialDayForm:
    form = OfficialDayForm()
    form.kind.choices = holidays.DayKind.choices()
    return form


def _page(year: int, form: OfficialDayForm):
    years = sorted({*holidays.entered_years(), year, shanghai_today().year,
                    shanghai_today().year + 1}, reverse=True)
    return render("catalog/holidays.html", year=year, years=years, form=form,
                  days=holidays.days_of(year), source=calendar.official().source(year),
                  library=calendar.CHINA)


@bp.route("/holidays")
@signed_in
def official_holidays():
    """Show a year's official holidays and adjusted working days, and where they come from."""
    return _page(_year(), _form())


@bp.route("/holidays/add", methods=["POST"])
@enters_holidays
def add_official_day():
    """Enter one day of a year's State Council notice."""
    year, form = _year(), _form()
    return form_action(form, lambda: holidays.add_day(
        year, form.day.data, form.kind.data, form.name.data, actor=current_user),
        success=lambda entry: _("%(day)s entered.", day=entry.day.isoformat()),
        done=url_for("catalog.official_holidays", year=year),
        again=lambda form: _page(year, form))


@bp.route("/holidays/<id:official_day_id>/delete", methods=["POST"])
@enters_holidays
def remove_official_day(official_day_id):
    """Remove a day entered by mistake (htmx removes its row in place)."""
    entry = db.get_or_404(holidays.OfficialDay, official_day_id)
    year = entry.day.year
    holidays.remove_day(entry, actor=current_user)
    db.session.commit()
    return deleted(_("Day removed."), url_for("catalog.official_holidays", year=year))
