"""Finance's form on the case page: approve or refuse the case's settlement."""

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.core.forms import options
from portal.core.versioning import Versioned


class SettleForm(Versioned):
    decision = RadioField(_l("Decision"), validators=[InputRequired()], choices=options((
        ("approve", _l("Approve the settlement as worked out")),
        ("refuse", _l("Refuse: the maker pays nothing on this case")))))
    reason = TextAreaField(_l("Finance note (required to refuse)"),
                           validators=[Optional(), Length(max=2000)])
