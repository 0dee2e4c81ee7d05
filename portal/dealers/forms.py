"""The dealer form."""

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length, Optional
from wtforms.validators import Email as EmailValidator

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.core.forms import SelectField, options
from portal.core.regions import PROVINCES
from portal.core.versioning import Versioned
from portal.dealers.models import Dealer, DealerGrade
from portal.extensions import db

CODE_RE = re.compile(r"^[A-Z0-9-]{2,20}$")
PHONE_RE = re.compile(r"^[0-9+\-() ]{7,32}$")


def phone_check(form, field):
    if field.data and not PHONE_RE.match(field.data):
        raise ValidationError(_l("Enter a phone number (digits, spaces, + - ( ))."))


class DealerForm(Versioned):
    code = StringField(_l("Dealer code"), validators=[DataRequired(), Length(max=20)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    province = SelectField(_l("Province"), choices=options((p, p) for p in PROVINCES),
                           validators=[DataRequired()])
    city = StringField(_l("City"), validators=[DataRequired(), Length(max=30)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=60)])
    contact_phone = StringField(_l("Contact phone"), validators=[Length(max=32), phone_check])
    service_phone = StringField(_l("Service hotline"), validators=[Length(max=32), phone_check])
    email = StringField(_l("Email"), validators=[Optional(), EmailValidator(), Length(max=120)])
    grade = SelectField(_l("Grade"), choices=[], validators=[DataRequired()])
    sales_rep_id = SelectField(_l("Sales rep"), choices=[], validators=[Optional()])

    def __init__(self, *args, dealer: Dealer | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._dealer = dealer
        self.grade.choices = DealerGrade.choices()
        reps = db.session.scalars(
            sa.select(User).where(User.role == Role.SALES_REP, User.is_active_user)
            .order_by(User.display_name)
        ).all()
        self.sales_rep_id.choices = options([("", "—")] + [(str(r.id), r.label) for r in reps])

    def validate_code(self, field):
        field.data = (field.data or "").strip().upper()
        if not CODE_RE.match(field.data):
            raise ValidationError(_l("2–20 capital letters, digits or dashes."))
        clash = db.session.scalar(sa.select(Dealer.id).where(Dealer.code == field.data))
        if clash and (self._dealer is None or clash != self._dealer.id):
            raise ValidationError(_l("Another dealer already has this code."))


class StatusForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
