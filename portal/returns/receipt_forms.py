"""Forms of the receiving page: a scanned label, one part's receipt, the shipment's close."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import Length

from portal.core.validators import HiddenLength
from portal.core.versioning import Versioned
from portal.returns.models import Receipt


class ScanForm(FlaskForm):
    # No DataRequired: an empty scan gets the service's own message in the same place.
    code = StringField(_l("Label"), validators=[Length(max=200)])


class MarkForm(FlaskForm):
    receipt = HiddenField(validators=[HiddenLength(max=20)])
    note = StringField(_l("What is damaged"), validators=[Length(max=500)])
    # the state the clerk saw, so a change by someone else is not overwritten
    was = HiddenField(validators=[HiddenLength(max=20)])

    def chosen(self) -> Receipt | None:
        return Receipt.parse(self.receipt.data)

    def seen(self) -> Receipt | None:
        return Receipt.parse(self.was.data)


class ShipmentForm(Versioned):
    """Receiving a shipment's parts, or closing it: the version of the shipment seen."""
