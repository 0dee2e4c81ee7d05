"""Forms of a stocking plan. Each carries the plan's version as the user saw it; the per-line
fields (qty-<part id> for the dealer, approved-<line id> and reason-<line id> for the reviewer)
are read by the view, and the services say what is wrong with them, next to the line."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from portal.core.versioning import Versioned
from portal.planning.services import TEXT_MAX


class PlanForm(Versioned):
    note = TextAreaField(_l("Note to head office"), validators=[Length(max=TEXT_MAX)])


class ReviewForm(Versioned):
    note = TextAreaField(_l("Review note"), validators=[Length(max=TEXT_MAX)])


class SendBackForm(Versioned):
    reason = TextAreaField(_l("What the dealer should change"),
                           validators=[Length(max=TEXT_MAX)])


class OpenForm(FlaskForm):
    """Only the CSRF token: the season is in the URL, the dealer is the user's."""
