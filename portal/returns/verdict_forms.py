"""Forms of the technical verdict, the waiver and the store moves."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.core.forms import SelectField
from portal.core.uploads import with_limit
from portal.core.versioning import Versioned


class VerdictForm(Versioned):
    verdict = SelectField(_l("Verdict"), validators=[InputRequired()])
    cause_code_id = SelectField(_l("Failure cause code"), coerce=int, validators=[Optional()])
    cause = TextAreaField(_l("Cause found"), validators=[Optional(), Length(max=2000)])
    destination = SelectField(_l("Where the part goes"), validators=[Optional()])
    photos = MultipleFileField(with_limit(_l("Photos of the part (JPEG or PNG, up to %(mb)d MB "
                                             "each)")))


class WaiveForm(Versioned):
    reason = TextAreaField(_l("Why the return is waived"),
                           validators=[InputRequired(), Length(max=2000)])


class HandedInForm(Versioned):
    """Taking a head-office repair's old part in by hand: the version alone."""


class StoreMoveForm(Versioned):
    to = SelectField(_l("What became of it"), validators=[InputRequired()])
    note = StringField(_l("Note (the repair it went into, or the waybill)"),
                       validators=[Optional(), Length(max=500)])
