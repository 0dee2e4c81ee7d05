"""Catalogue and policy forms."""

import re
from calendar import monthrange
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.accounts.forms import MultiCheckboxField
from portal.catalog.models import (
    FaultSeverity,
    ModelCategory,
    Part,
    PartKind,
    ProductModel,
    SeasonKind,
)
from portal.core.forms import DecimalField, SelectField, options
from portal.core.regions import PROVINCES
from portal.core.versioning import Versioned
from portal.dealers.models import DealerGrade
from portal.extensions import db

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
MONTHS = [NumberRange(min=0, max=120)]


def unique_check(model, column, label_obj_attr="_obj"):
    """A validator refusing a value another row already holds."""

    def check(form, field):
        field.data = (field.data or "").strip()
        if not CODE_RE.match(field.data):
            raise ValidationError(_l("Letters, digits and . _ / - only, at most 40."))
        clash = db.session.scalar(sa.select(model.id).where(column == field.data))
        obj = getattr(form, label_obj_attr, None)
        if clash and (obj is None or clash != obj.id):
            raise ValidationError(_l("This code is already in use."))

    return check


class ProductModelForm(Versioned):
    code = StringField(_l("Model code"), validators=[DataRequired(), Length(max=30),
                                                     unique_check(ProductModel, ProductModel.code)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    category = SelectField(_l("Category"), choices=[], validators=[DataRequired()])
    whole_months = IntegerField(_l("Whole machine (months)"), validators=[InputRequired(), *MONTHS])
    main_parts_months = IntegerField(_l("Main parts (months)"),
                                     validators=[InputRequired(), *MONTHS])
    wear_parts_months = IntegerField(_l("Wear parts (months)"),
                                     validators=[InputRequired(), *MONTHS])
    running_in_hours = IntegerField(_l("Running-in hours"),
                                    validators=[InputRequired(), NumberRange(min=0, max=1000)])
    main_parts_named = TextAreaField(_l("Main parts named"), validators=[Length(max=2000)])
    # Checked by services.dealer_price_problem, which the import and the API ask too.
    dealer_price = DecimalField(_l("Dealer price (经销价, yuan)"), validators=[Optional()],
                                render_kw={"inputmode": "decimal"})
    is_active = BooleanField(_l("In the catalogue"), default=True)
    watched = BooleanField(_l("Watched: claims on this part always need a technical decision"))

    def __init__(self, *args, obj=None, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        self._obj = obj
        self.category.choices = ModelCategory.choices()


class PartForm(Versioned):
    part_number = StringField(_l("Part number"), validators=[DataRequired(), Length(max=40),
                                                             unique_check(Part, Part.part_number)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(_l("Kind"), choices=[], validators=[DataRequired()])
    price = DecimalField(_l("Price (yuan)"), places=2,
                         validators=[InputRequired(), NumberRange(min=0, max=9999999)])
    return_required = BooleanField(_l("Old part must be returned"), default=True)
    warranty_months = IntegerField(_l("Own warranty (months)"), validators=[Optional(), *MONTHS])
    supplier = StringField(_l("Supplier"), validators=[Optional(), Length(max=120)])
    season_consumption = DecimalField(
        _l("Consumed per working unit and season"), places=3,
        validators=[Optional(), NumberRange(min=0, max=99999)])
    model_ids = MultiCheckboxField(_l("Fits models"), choices=[], coerce=int)
    is_active = BooleanField(_l("In the catalogue"), default=True)
    watched = BooleanField(_l("Watched: claims on this part always need a technical decision"))
    key_part = BooleanField(_l("Key part: watched by the early warning on production batches"))

    def __init__(self, *args, obj=None, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        self._obj = obj
        self.kind.choices = PartKind.choices()
        models = db.session.scalars(sa.select(ProductModel).order_by(ProductModel.code)).all()
        self.model_ids.choices = options((m.id, f"{m.code} {m.name}") for m in models)

    def validate_price(self, field):
        if field.data is not None and field.data.as_tuple().exponent < -2:
            raise ValidationError(_l("At most two decimal places."))

    def validate_season_consumption(self, field):
        if field.data is not None and field.data.as_tuple().exponent < -3:
            raise ValidationError(_l("At most three decimal places."))


class FaultCodeForm(FlaskForm):
    code = StringField(_l("Fault code"), validators=[DataRequired(), Length(max=20)])
    description = StringField(_l("Description"), validators=[DataRequired(), Length(max=200)])
    severity = SelectField(_l("Severity"), default="general", validators=[DataRequired()],
                           description=_l("Serious: an important function lost, a main part "
                                          "scrapped or people endangered. The same serious "
                                          "problem back after two repairs entitles the buyer "
                                          "to a new main part or system."))
    is_active = BooleanField(_l("In use"), default=True)
    watched = BooleanField(_l("Watched: claims with this fault always need a technical decision"))

    def __init__(self, *args, obj=None, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        self._obj = obj
        self.severity.choices = FaultSeverity.choices()
        # One optional standard-hours field per model category.
        for category in ModelCategory:
            field = getattr(self, f"hours_{category.value}")
            field.label.text = category.title
            if obj is not None and not self.is_submitted():
                field.data = obj.hours_for(category)

    def validate_code(self, field):
        from portal.catalog.models import FaultCode

        unique_check(FaultCode, FaultCode.code)(self, field)


for _category in ModelCategory:
    setattr(FaultCodeForm, f"hours_{_category.value}", DecimalField(
        _category.value, places=2, validators=[Optional(), NumberRange(min=0, max=999)]))


class LabourRateForm(FlaskForm):
    """Hourly rate per dealer grade; one field per grade is added below."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for grade in DealerGrade:
            getattr(self, f"rate_{grade.value}").label.text = grade.title


for _grade in DealerGrade:
    setattr(LabourRateForm, f"rate_{_grade.value}", DecimalField(
        _grade.value, places=2, validators=[InputRequired(), NumberRange(min=0, max=9999)]))


class TravelBandForm(FlaskForm):
    min_km = IntegerField(_l("From (km, inclusive)"),
                          validators=[InputRequired(), NumberRange(min=0, max=100000)])
    max_km = IntegerField(_l("To (km, exclusive; empty = no limit)"),
                          validators=[Optional(), NumberRange(min=1, max=100000)])
    fee = DecimalField(_l("Fee (yuan)"), places=2,
                       validators=[InputRequired(), NumberRange(min=0, max=999999)])

    def validate_max_km(self, field):
        if field.data is not None and self.min_km.data is not None and (
            field.data <= self.min_km.data
        ):
            raise ValidationError(_l("Must be greater than the start of the band."))


def _month_day_check(month_field: str):
    def check(form, field):
        month = getattr(form, month_field).data
        if month and field.data and not 1 <= field.data <= monthrange(2023, month)[1]:
            raise ValidationError(_l("This month has no such day."))

    return check


class PolicyForm(FlaskForm):
    card_deadline_days = IntegerField(_l("Warranty card deadline (days after sale)"),
                                      validators=[InputRequired(), NumberRange(min=1, max=365)])
    arrange_deadline_hours = IntegerField(_l("Arrange deadline (hours from reaching the assignee)"),
                                          validators=[InputRequired(), NumberRange(min=1, max=72)])
    check_deadline_hours = IntegerField(_l("Check deadline (hours from routing)"),
                                        validators=[InputRequired(), NumberRange(min=1, max=72)])
    return_date_1_month = IntegerField(_l("First old-part return date: month"),
                                       validators=[InputRequired(), NumberRange(min=1, max=12)])
    return_date_1_day = IntegerField(
        _l("First old-part return date: day"),
        validators=[InputRequired(), _month_day_check("return_date_1_month")])
    return_date_2_month = IntegerField(_l("Second old-part return date: month"),
                                       validators=[InputRequired(), NumberRange(min=1, max=12)])
    return_date_2_day = IntegerField(
        _l("Second old-part return date: day"),
        validators=[InputRequired(), _month_day_check("return_date_2_month")])
    plan_lead_days = IntegerField(_l("Stocking plan lead time (days before season)"),
                                  validators=[InputRequired(), NumberRange(min=0, max=365)])
    delivery_confirm_days = IntegerField(
        _l("Delivery notes are confirmed within (days after shipping)"),
        validators=[InputRequired(), NumberRange(min=1, max=90)])
    parts_markup_percent = DecimalField(_l("Parts mark-up (%)"), places=2,
                                        validators=[InputRequired(), NumberRange(min=0, max=100)])
    duplicate_window_days = IntegerField(
        _l("Duplicate check: same unit and part within (days)"),
        validators=[InputRequired(), NumberRange(min=0, max=730)])
    late_claim_days = IntegerField(_l("Claims must be filed within (days after completion)"),
                                   validators=[InputRequired(), NumberRange(min=1, max=365)])
    auto_approve = BooleanField(_l("Approve clean claims by the rules"))
    auto_max_total = DecimalField(_l("Rules approve claims up to (yuan)"), places=2,
                                  validators=[InputRequired(), NumberRange(min=0, max=1000000)])
    auto_sample_percent = IntegerField(
        _l("Share of rules-approved claims drawn for technical review (%)"),
        validators=[InputRequired(), NumberRange(min=0, max=100)])
    good_standing_days = IntegerField(
        _l("Good standing: no claim rejected in the last (days)"),
        validators=[InputRequired(), NumberRange(min=0, max=3650)])
    hold_overdue_days = IntegerField(
        _l("Hold a dealer's new claims when old parts are overdue by more than (days)"),
        validators=[InputRequired(), NumberRange(min=0, max=3650)])
    alert_false_rate = DecimalField(
        _l("Early warning: false alert rate"), places=5, validators=[InputRequired()])
    alert_min_failures = IntegerField(
        _l("Early warning: least failures in a batch before it is flagged"),
        validators=[InputRequired(), NumberRange(min=1, max=1000)])
    # The maker as it signs its write-off notices.
    maker_name = StringField(_l("Maker's name"), validators=[Optional(), Length(max=120)])
    maker_address = StringField(_l("Maker's address"), validators=[Optional(), Length(max=200)])
    maker_phone = StringField(_l("Maker's phone"), validators=[Optional(), Length(max=32)])
    maker_tax_no = StringField(_l("Maker's tax number (unified social credit code)"),
                               validators=[Optional(), Length(max=30)])
    maker_service_line = StringField(_l("Maker's service line (on the buyer's certificate)"),
                                     validators=[Optional(), Length(max=32)])

    def validate_alert_false_rate(self, field):
        if field.data is not None and not 0 < field.data <= Decimal("0.2"):
            raise ValidationError(_l("Enter a rate above 0 and at most 0.2, such as 0.05."))
        if field.data is not None and field.data.as_tuple().exponent < -5:
            raise ValidationError(_l("At most five decimal places."))

    def validate_return_date_2_day(self, field):
        if (self.return_date_1_month.data, self.return_date_1_day.data) == (
            self.return_date_2_month.data, field.data
        ):
            raise ValidationError(_l("The two return dates must differ."))


class SeasonForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=60)])
    kind = SelectField(_l("Kind"), choices=[], validators=[DataRequired()])
    start_on = DateField(_l("Starts on"), validators=[InputRequired()])
    end_on = DateField(_l("Ends on"), validators=[InputRequired()])
    categories = MultiCheckboxField(_l("Product categories"), choices=[])
    provinces = MultiCheckboxField(_l("Provinces (none = all)"),
                                   choices=options((p, p) for p in PROVINCES))
    plan_required = BooleanField(_l("Dealers of these categories and provinces submit a "
                                    "stocking plan"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = SeasonKind.choices()
        self.categories.choices = ModelCategory.choices()

    def validate_end_on(self, field):
        if self.start_on.data and field.data and field.data <= self.start_on.data:
            raise ValidationError(_l("The season must end after it starts."))

    def validate_categories(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one product category."))


class LegalMinimumForm(FlaskForm):
    whole_months = IntegerField(_l("Whole machine (months)"),
                                validators=[InputRequired(), NumberRange(min=1, max=120)])
    main_parts_months = IntegerField(_l("Main parts (months; empty = as the maker states)"),
                                     validators=[Optional(), NumberRange(min=1, max=120)])
    main_parts_named = TextAreaField(_l("Main parts named"), validators=[Length(max=2000)])


class DiscountRateForm(FlaskForm):
    """A row of the discount standard; its rules are ``discounts.discount_problems``."""

    category = SelectField(_l("Category"), choices=[], validators=[DataRequired()])
    from_month = IntegerField(_l("From whole months in use"), validators=[InputRequired()])
    rate = DecimalField(_l("Rate (per cent of the dealer price)"), validators=[InputRequired()],
                        render_kw={"inputmode": "decimal"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = ModelCategory.choices()


class ImportForm(FlaskForm):
    file = FileField(_l("Excel file (.xlsx)"), validators=[FileRequired()])
