"""Sign-in, password and user-administration forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.validators import Email as EmailValidator
from wtforms.widgets import CheckboxInput, ListWidget

from portal.accounts.roles import Role
from portal.accounts.services import PASSWORD_MAX
from portal.core.forms import SelectField, SelectMultipleField, options
from portal.core.validators import HiddenLength

PASSWORD_LENGTH = Length(max=PASSWORD_MAX)  # also what sign-in hashes: no 15 MB password


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), PASSWORD_LENGTH])
    next = HiddenField(validators=[HiddenLength(max=2000)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(), PASSWORD_LENGTH])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), PASSWORD_LENGTH])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), PASSWORD_LENGTH,
                    EqualTo("new_password", message=_l("The passwords differ."))],
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=3, max=64)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    role = SelectField(_l("Role"), choices=[], validators=[DataRequired()])
    dealer_id = SelectField(_l("Dealer (for dealer users)"), choices=[], coerce=str,
                         validators=[Optional()])
    rep_dealer_ids = MultiCheckboxField(_l("Dealers (for a sales rep)"), choices=[], coerce=int)
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    email = StringField(_l("Email"), validators=[Optional(), EmailValidator(), Length(max=120)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), PASSWORD_LENGTH])

    def fill_choices(self, dealers) -> None:
        self.role.choices = Role.choices()
        self.dealer_id.choices = options([("", "—")] + [(str(d.id), f"{d.code} {d.name}")
                                                          for d in dealers])
        self.rep_dealer_ids.choices = options((d.id, f"{d.code} {d.name}") for d in dealers)


class EditUserForm(UserForm):
    username = None
    password = None


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("Temporary password"), validators=[DataRequired(), PASSWORD_LENGTH])


class ActiveForm(FlaskForm):
    active = BooleanField()
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=500)])
