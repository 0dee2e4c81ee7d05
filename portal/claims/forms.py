"""Forms of the repair record: its facts, its lines, its files, and the reviewers' decisions."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.core.forms import DecimalField, SelectField
from portal.core.uploads import with_limit
from portal.core.versioning import Versioned


class ClaimForm(Versioned):
    failure_date = DateField(_l("Failure date"), validators=[InputRequired()])
    handed_in_on = DateField(_l("Handed in for repair on"), validators=[Optional()])
    completed_on = DateField(_l("Repair completed on"), validators=[Optional()])
    parts_waited_from = DateField(_l("Waited for parts from"), validators=[Optional()])
    parts_waited_to = DateField(_l("Parts came on"), validators=[Optional()])
    hour_meter = DecimalField(_l("Hour-meter reading (h)"), places=1,
                              validators=[InputRequired(), NumberRange(min=0, max=99999.9)],
                              render_kw={"inputmode": "decimal"})
    fault_code_id = SelectField(_l("Fault code"), coerce=int, validators=[Optional()])
    description = TextAreaField(_l("Fault as described"),
                                validators=[InputRequired(), Length(max=2000)])
    cause = TextAreaField(_l("Cause found"), validators=[Optional(), Length(max=2000)])
    work_done = TextAreaField(_l("Work done"), validators=[Optional(), Length(max=2000)])
    technician = StringField(_l("Technician"), validators=[Optional(), Length(max=60)])


class PartLineForm(Versioned):
    part_id = SelectField(_l("Part replaced"), coerce=int, validators=[
        InputRequired(), NumberRange(min=1, message=_l("Choose the part replaced: search by its "
                                                       "number or name."))])
    quantity = IntegerField(_l("Quantity"), default=1,
                            validators=[InputRequired(), NumberRange(min=1, max=99)],
                            render_kw={"inputmode": "numeric"})


class LabourLineForm(Versioned):
    fault_code_id = SelectField(_l("Fault code"), coerce=int, validators=[InputRequired()])
    hours = DecimalField(_l("Hours (empty = the standard)"), places=2,
                         validators=[Optional(), NumberRange(min=0.01, max=999)],
                         render_kw={"inputmode": "decimal"})
    reason = StringField(_l("Reason for more hours than standard"),
                         validators=[Optional(), Length(max=500)])


class TravelLineForm(Versioned):
    km = IntegerField(_l("One-way distance (km)"),
                      validators=[InputRequired(), NumberRange(min=0, max=5000)],
                      render_kw={"inputmode": "numeric"})


class OtherLineForm(Versioned):
    amount = DecimalField(_l("Amount (yuan)"), places=2,
                          validators=[InputRequired(), NumberRange(min=0.01, max=100000)],
                          render_kw={"inputmode": "decimal"})
    reason = StringField(_l("What it is for"), validators=[InputRequired(), Length(max=500)])


class PhotoForm(Versioned):
    photos = MultipleFileField(with_limit(_l("Photos of the repair (JPEG or PNG, up to %(mb)d MB "
                                             "each)")))


class ReasonForm(Versioned):
    reason = TextAreaField(_l("Reason"), validators=[InputRequired(), Length(max=2000)])


class OptionalReasonForm(Versioned):
    reason = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class DecisionForm(Versioned):
    """The per-line fields (decision-, amount-, code-, note-<line id>) are read by the view."""
