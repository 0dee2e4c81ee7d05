"""The note an alert is acknowledged or closed with."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length


class AlertNoteForm(FlaskForm):
    # Required by the service (a DomainError by the field), so the rule lives in one place.
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
