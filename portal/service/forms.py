"""Service register forms. Times are entered in Asia/Shanghai and stored in UTC."""

from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.core.db import SHANGHAI
from portal.core.forms import SelectField, options
from portal.core.versioning import Versioned
from portal.dealers.pickers import Picker, dealer_picker
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
    # The dealer is a typed picker (portal.dealers.pickers): the select ``dealer_id`` of the
    # active dealers the words in the box ``dealer_q`` match.
    dealer_id = StringField(_l("Dealer"), validators=[Length(max=20)])
    dealer_q = StringField(_l("Find a dealer"), validators=[Optional(), Length(max=40)])
    rep_id = SelectField(_l("Sales rep"), choices=[], validators=[Optional()])
    reason = TextAreaField(_l("Why it goes to someone else"),
                           validators=[Optional(), Length(max=1000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignee.choices = Assignee.choices()
        reps = db.session.execute(  # plain rows: named as User.label names a person
            sa.select(User.id, User.display_name).where(
                User.role == Role.SALES_REP, User.is_active_user).order_by(User.display_name))
        self.rep_id.choices = options([("", "—")] + [(str(i), name) for i, name in reps])
        self._picker = None

    def preset(self, entry) -> None:
        super().preset(entry)
        self.assignee.data = (entry.assignee or Assignee.DEALER).value
        dealer_id = entry.dealer_id or (entry.unit.dealer_id if entry.unit else None)
        self.dealer_id.data = str(dealer_id or "")
        self.rep_id.data = str(entry.assigned_user_id or "")

    @property
    def dealer_picker(self) -> Picker:
        """The dealer picker as asked: the chosen dealer, or the one dealer the words match."""
        if self._picker is None:
            chosen = self.dealer_id.data or ""
            self._picker = dealer_picker(
                current_user, (self.dealer_q.data or "").strip()[:40],
                int(chosen) if chosen.isdigit() else None, "route")
        return self._picker

    def validate_dealer_id(self, field) -> None:
        """Routed to a dealer: the one chosen, or the one the words match, among the active
        dealers the user may route to; otherwise say what went wrong beside the picker."""
        if self.assignee.data != Assignee.DEALER.value:
            return
        picker = self.dealer_picker
        if picker.chosen is None and picker.q:
            raise ValidationError(
                _l("No active dealer matches “%(q)s”.", q=picker.q) if not picker.found else
                _l("Several dealers match “%(q)s”: choose one in the list.", q=picker.q))
        if picker.chosen is None and field.data:
            raise ValidationError(_l("Choose an active dealer from the list."))
        field.data = str(picker.chosen or "")


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
