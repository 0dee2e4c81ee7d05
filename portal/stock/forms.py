"""Forms of a stock return: the dealer's request and head office's moves."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.core.validators import HiddenLength
from portal.core.versioning import Versioned
from portal.stock.models import StockReturnReason


class RequestForm(FlaskForm):
    unit = HiddenField(validators=[HiddenLength(max=20)])
    reason = RadioField(_l("Why the unit goes back"), validators=[InputRequired()])
    description = TextAreaField(_l("The unit's state, and why it cannot be sold"),
                                validators=[InputRequired(), Length(max=4000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = StockReturnReason.choices()


class MoveForm(Versioned):
    """A note with the version of the return the user saw."""

    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class ApproveForm(MoveForm):
    restoration_fee = StringField(_l("Restoration labour to charge (yuan)"),
                                  validators=[Optional(), Length(max=20)],
                                  render_kw={"inputmode": "decimal"})
