"""Warranty card forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.core.forms import SelectField, options
from portal.core.regions import PROVINCES
from portal.core.uploads import with_limit
from portal.core.validators import HiddenLength


class OwnerFields(FlaskForm):
    # The keyboard a phone opens and what it may fill in: digits for the mobile number (type
    # tel); the ID field keeps the full keyboard, for the X check digit or a company's name.
    # The browser's autofill holds the dealer's own details: the buyer's name, phone and street
    # are someone else's (off), his province, city and county are mostly the dealer's own.
    buyer_name = StringField(_l("Buyer name"), validators=[DataRequired(), Length(max=60)],
                             render_kw={"autocomplete": "off"})
    buyer_phone = StringField(_l("Mobile phone"), validators=[Optional(), Length(max=20)],
                              render_kw={"type": "tel", "inputmode": "tel",
                                         "autocomplete": "off"})
    buyer_id_no = StringField(_l("ID card number or company"),
                              validators=[Optional(), Length(max=60)],
                              render_kw={"autocomplete": "off", "autocapitalize": "characters"})
    province = SelectField(_l("Province"), choices=options([("", "—")] + [(p, p) for p in
                                                                           PROVINCES]),
                           render_kw={"autocomplete": "address-level1"})
    city = StringField(_l("City"), validators=[Optional(), Length(max=30)],
                       render_kw={"autocomplete": "address-level2"})
    county = StringField(_l("County"), validators=[Optional(), Length(max=30)],
                         render_kw={"autocomplete": "address-level3"})
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)],
                          render_kw={"autocomplete": "off"})

    # Set by the view: form → {field: message}, the record's own rules on the values read, so
    # that every problem is shown at once beside the fields' own.
    rules = None

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        problems = self.rules(self) if self.rules else {}
        for key, message in problems.items():
            field = getattr(self, key, None)
            if field is None:
                self.form_errors.append(message)
            elif not field.errors:
                field.errors.append(message)
        return ok and not problems


class CardForm(OwnerFields):
    sale_date = DateField(_l("Sale date"), validators=[InputRequired()])
    # 发票号码: digits (8 or 20)
    invoice_no = StringField(_l("Invoice number"), validators=[Optional(), Length(max=40)],
                             render_kw={"inputmode": "numeric", "autocomplete": "off"})
    invoice_date = DateField(_l("Invoice date"), validators=[Optional()])
    received_on = DateField(_l("Paper card received on"), validators=[Optional()])
    scan = FileField(with_limit(_l("Scan of the paper card (JPEG, PNG or PDF, up to %(mb)d MB)")),
                     render_kw={"accept": "image/*,application/pdf"})
    # a scan chosen on an earlier try (``portal.core.pending``)
    scan_kept = HiddenField(validators=[HiddenLength(max=200)])


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
