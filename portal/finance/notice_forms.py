"""Forms of a write-off notice: the dealer confirms or disputes it, finance voids or reissues it.

Each carries the notice's version as the user saw it; the services say when a reason is
missing, so the message is the business's, next to the field.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from portal.core.versioning import Versioned
from portal.finance.lifecycle import REASON_MAX


class NoticeForm(Versioned):
    pass


class DisputeForm(NoticeForm):
    reason = TextAreaField(_l("What is wrong with the notice"),
                           validators=[Length(max=REASON_MAX)])


class VoidForm(NoticeForm):
    reason = TextAreaField(_l("Why the notice is voided"), validators=[Length(max=REASON_MAX)])


class ReissueForm(FlaskForm):
    """Only the CSRF token: a voided notice is reissued for its own dealer and period."""
