"""Warranty card forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.core.forms import options
from portal.core.regions import PROVINCES
from portal.core.uploads import with_limit


class OwnerFields(FlaskForm):
    buyer_name = StringField(_l("Buyer name"), validators=[DataRequired(), Length(max=60)])
    buyer_phone = StringField(_l("Mobile phone"), validators=[Optional(), Length(max=20)],
                              render_kw={"inputmode": "tel", "autocomplete": "tel"})
    buyer_id_no = StringField(_l("ID card number or company"),
                              validators=[Optional(), Length(max=60)])
    province = SelectField(_l("Province"), choices=options([("", "—")] + [(p, p) for p in
                                                                           PROVINCES]))
    city = StringField(_l("City"), validators=[Optional(), Length(max=30)])
    county = StringField(_l("County"), validators=[Optional(), Length(max=30)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])


class CardForm(OwnerFields):
    sale_date = DateField(_l("Sale date"), validators=[InputRequired()])
    invoice_no = StringField(_l("Invoice number"), validators=[Optional(), Length(max=40)])
    invoice_date = DateField(_l("Invoice date"), validators=[Optional()])
    received_on = DateField(_l("Paper card received on"), validators=[Optional()])
    scan = FileField(with_limit(_l("Scan of the paper card (JPEG, PNG or PDF, up to %(mb)d MB)")))


class TransferForm(OwnerFields):
    changed_on = DateField(_l("Resold on"), validators=[InputRequired()])


class ExceptionForm(FlaskForm):
    reason = TextAreaField(_l("Why the late card is recognised"),
                           validators=[DataRequired(), Length(max=1000)])


class OfficialDayForm(FlaskForm):
    """One day of the State Council's holiday notice; its year is the page's."""

    day = DateField(_l("Date"), validators=[InputRequired()])
    kind = SelectField(_l("Kind"), choices=[])
    name = StringField(_l("Holiday"), validators=[Optional(), Length(max=40)],
                       description=_l("As the notice names it, e.g. 春节, 国庆节"))
