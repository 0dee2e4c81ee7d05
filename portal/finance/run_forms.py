"""The form that starts generating a month's write-off notices."""

from calendar import monthrange
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, ValidationError
from wtforms.validators import InputRequired, Length


def month_bounds(text: str) -> tuple[date, date] | None:
    """(first day, last day) of a month written "2026-10", or None when it is not one."""
    try:
        year, month = (int(part) for part in (text or "").strip().split("-"))
        return date(year, month, 1), date(year, month, monthrange(year, month)[1])
    except ValueError:
        return None


def valid_month(form, field):
    bounds = month_bounds(field.data)
    if bounds is None or not 2000 <= bounds[0].year <= 2100:
        raise ValidationError(_l("Enter a month as year-month, for example 2026-10."))


class GenerateForm(FlaskForm):
    period = StringField(_l("Month"), validators=[InputRequired(), Length(max=20), valid_month],
                         render_kw={"type": "month", "placeholder": "2026-10"})
