"""Service register forms. Times are entered in Asia/Shanghai and stored in UTC."""

from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.core.db import SHANGHAI
from portal.core.forms import SelectField, options
from portal.core.versioning import Versioned
from portal.dealers.models import Dealer, DealerStatus
from portal.extensions import db
from portal.service.models import Assignee, Channel, Urgency

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def to_utc(local: datetime | None) -> datetime | None:
    """A time typed in Shanghai as an aware UTC datetime."""
    return local.replace(tzinfo=SHANGHAI).astimezone(UTC) if local else None


def to_local(moment: datetime) -> datetime:
    """An aware time as the naive Shanghai time a datetime-local input shows."""
    return moment.astimezone(SHANGHAI).replace(tzinfo=None, second=0, microsecond=0)


class RegisterForm(FlaskForm):
    channel = SelectField(_l("Channel"), choices=[], validators=[DataRequired(), Length(max=2000)])
    received_at = DateTimeLocalField(_l("Received at"), format=LOCAL_FORMAT,
                                     validators=[InputRequired()])
    customer_name = StringField(_l("Customer"), validators=[DataRequired(), Length(max=60)])
    customer_phone = StringField(_l("Customer phone"), validators=[Optional(), Length(max=32)],
                                 render_kw={"inputmode": "tel", "autocomplete": "tel"})
    location = StringField(_l("Where the machine is"), validators=[Optional(), Length(max=200)])
    serial = StringField(_l("Serial number (when known)"),
                         validators=[Optional(), Length(max=40)],
                         render_kw={"autocapitalize": "characters", "autocomplete": "off"})
    description = TextAreaField(_l("What the customer reports"),
                                validators=[DataRequired(), Length(max=2000)])
    urgency = RadioField(_l("Urgency"), choices=[], default=Urgency.NORMAL.value,
                         validators=[DataRequired(), Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel.choices = Channel.choices()
        self.urgency.choices = Urgency.choices()

    def values(self) -> dict:
        return {"channel": Channel(self.channel.data), "received_at": to_utc(self.received_at.data),
                "customer_name": self.customer_name.data, "location": self.location.data or "",
                "customer_phone": self.customer_phone.data or "",
                "description": self.description.data, "urgency": Urgency(self.urgency.data)}


class EntryForm(Versioned):
    """A form about one entry, carrying the version it was read at."""

    @classmethod
    def blank(cls, entry):
        """The form as first shown on the entry's page."""
        form = cls(formdata=None)
        form.preset(entry)
        return form

    def preset(self, entry) -> None:
        self.version.data = str(entry.version)


class RouteForm(EntryForm):
    assignee = RadioField(_l("Route to"), choices=[], validators=[DataRequired(), Length(max=2000)])
    dealer_id = SelectField(_l("Dealer"), choices=[], validators=[Optional()])
    rep_id = SelectField(_l("Sales rep"), choices=[], validators=[Optional()])
    reason = TextAreaField(_l("Why it goes to someone else"),
                           validators=[Optional(), Length(max=1000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignee.choices = Assignee.choices()
        dealers = db.session.connection().execute(  # plain rows, as dealer_choices reads them
            sa.select(Dealer.id, Dealer.code, Dealer.name)
            .where(Dealer.status == DealerStatus.ACTIVE).order_by(Dealer.code)).all()
        self.dealer_id.choices = options([("", "—")] + [(str(i), f"{c} {n}")
                                                         for i, c, n in dealers])
        reps = db.session.scalars(sa.select(User).where(
            User.role == Role.SALES_REP, User.is_active_user).order_by(User.display_name)).all()
        self.rep_id.choices = options([("", "—")] + [(str(r.id), r.label) for r in reps])

    def preset(self, entry) -> None:
        super().preset(entry)
        self.assignee.data = (entry.assignee or Assignee.DEALER).value
        dealer_id = entry.dealer_id or (entry.unit.dealer_id if entry.unit else None)
        self.dealer_id.data = str(dealer_id or "")
        self.rep_id.data = str(entry.assigned_user_id or "")


class ArrangeForm(EntryForm):
    plan = TextAreaField(_l("What will be done"), validators=[DataRequired(), Length(max=2000)])
    planned_for = DateTimeLocalField(_l("When"), format=LOCAL_FORMAT,
                                     validators=[InputRequired()])
    who_goes = StringField(_l("Who goes"), validators=[DataRequired(), Length(max=120)])
    customer_told = BooleanField(_l("The customer has been told"))

    def values(self) -> dict:
        return {"plan": self.plan.data, "planned_for": to_utc(self.planned_for.data),
                "who_goes": self.who_goes.data, "customer_told": self.customer_told.data}


class CheckForm(EntryForm):
    note = TextAreaField(_l("Check note"), validators=[Optional(), Length(max=2000)])


class CloseForm(EntryForm):
    outcome = TextAreaField(_l("Outcome"), validators=[DataRequired(), Length(max=2000)])
