"""Forms of the finance track on the claim page: forward, return, audit, reopen."""

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.core.versioning import Versioned


class ForwardForm(Versioned):
    """Forwarding carries nothing but the version the rep saw."""


class ReturnForm(Versioned):
    reason = TextAreaField(_l("What the technical department should look at again"),
                           validators=[InputRequired(), Length(max=2000)])


class AuditForm(Versioned):
    """The per-line fields (amount-<line id>, note-<line id>) are read by the view."""

    reason = TextAreaField(_l("Finance note (required to reject)"),
                           validators=[Optional(), Length(max=2000)])


class ReopenForm(Versioned):
    reason = TextAreaField(_l("Why the audit is reopened"),
                           validators=[InputRequired(), Length(max=2000)])
