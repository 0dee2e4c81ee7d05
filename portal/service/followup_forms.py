"""Forms for return visit calls, complaints and entitlement flags."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.core.forms import SelectField, options
from portal.core.versioning import Versioned
from portal.dealers.forms import phone_check
from portal.service.models import Channel


def _score(value):
    return int(value) if value not in (None, "") else None


class CallForm(Versioned):
    reached = RadioField(_l("Did you reach the customer?"), validators=[InputRequired()],
                         choices=options([("1", _l("Reached")), ("0", _l("Not reached"))]))
    satisfaction = RadioField(
        _l("Satisfaction"), coerce=_score, validators=[Optional()],
        choices=options((n, str(n)) for n in range(5, 0, -1)))
    comment = TextAreaField(_l("What the customer said"), validators=[Length(max=1000)])


class ComplaintForm(FlaskForm):
    channel = SelectField(_l("Received by"), choices=[], validators=[DataRequired()])
    received_at = DateTimeLocalField(_l("Received at"), format="%Y-%m-%dT%H:%M",
                                     validators=[InputRequired()])
    customer_name = StringField(_l("Customer name"),
                                validators=[DataRequired(), Length(max=60)])
    customer_phone = StringField(_l("Customer phone"), validators=[phone_check, Length(max=32)],
                                 render_kw={"inputmode": "tel", "autocomplete": "tel"})
    description = TextAreaField(_l("What the customer complains about"),
                                validators=[DataRequired(), Length(max=4000)])
    dealer_code = StringField(_l("Dealer code"), validators=[Optional(), Length(max=20)])
    unit_serial = StringField(_l("Unit serial number"), validators=[Optional(), Length(max=40)])
    claim_number = StringField(_l("Repair record number"),
                               validators=[Optional(), Length(max=20)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel.choices = Channel.choices()


class NoteForm(FlaskForm):
    """The note that goes with a move: escalate, resolve, reopen, archive, close a flag."""

    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])


class ComplaintMoveForm(NoteForm, Versioned):
    """A complaint's move: its note and the version of the complaint seen."""
