"""Forms of the dealer's return shipment."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, StringField
from wtforms.validators import InputRequired, Length, Optional

from portal.core.forms import SelectMultipleField
from portal.returns.models import ShipMethod


class ShipmentForm(FlaskForm):
    # The ticked rows of the to-do list; the service checks they are this dealer's to ship.
    owed_parts = SelectMultipleField(_l("Parts to ship"), coerce=int, choices=[],
                                     validate_choice=False)
    method = RadioField(_l("Sent"), choices=[], validators=[InputRequired()])
    waybill = StringField(_l("Waybill number (courier)"), validators=[Optional(), Length(max=60)],
                          render_kw={"autocomplete": "off", "autocapitalize": "characters"})
    shipped_on = DateField(_l("Shipped on"), validators=[InputRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.method.choices = ShipMethod.choices()


class CancelShipmentForm(FlaskForm):
    reason = StringField(_l("Why (optional)"), validators=[Optional(), Length(max=500)])
