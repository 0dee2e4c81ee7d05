"""The grade review form on a dealer's scorecard."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from portal.analytics.models import Recommendation
from portal.core.forms import SelectField
from portal.dealers.models import DealerGrade


class GradeReviewForm(FlaskForm):
    recommendation = SelectField(_l("Recommendation"), choices=[],
                                 validators=[DataRequired()])
    grade_proposed = SelectField(_l("Proposed grade"), choices=[], validators=[DataRequired()])
    note = TextAreaField(_l("Why (the figures, what was discussed with the dealer)"),
                         validators=[Length(max=4000)])
    start = DateField(_l("Period from"), validators=[InputRequired()])
    end = DateField(_l("Period to"), validators=[InputRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.recommendation.choices = Recommendation.choices()
        self.grade_proposed.choices = DealerGrade.choices()
