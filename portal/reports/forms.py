"""The form that generates a week's report."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import InputRequired


class GenerateForm(FlaskForm):
    week_start = DateField(_l("Week (its Monday)"), validators=[InputRequired(
        message=_l("Pick the week's Monday."))])
