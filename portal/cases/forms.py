"""Forms of an exchange or refund case: opening it, the technical decision, its completion."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.cases.models import CaseKind, CaseOrigin, MachineVerdict
from portal.core.forms import SelectField, options
from portal.core.validators import HiddenLength
from portal.core.versioning import Versioned

MONEY_INPUT = {"inputmode": "decimal"}


class OpenForm(FlaskForm):
    unit = HiddenField(validators=[HiddenLength(max=20)])
    flag = HiddenField(validators=[HiddenLength(max=20)])
    kind = RadioField(_l("What the buyer gets"), validators=[InputRequired()])
    origin = RadioField(_l("Where the case comes from"), default="buyer_request")
    failed_on = DateField(_l("Day the machine failed"), validators=[Optional()])
    reason = TextAreaField(_l("What the buyer asks for, and why"),
                           validators=[InputRequired(), Length(max=2000)])
    invoice_amount = StringField(_l("Price on the buyer's invoice (yuan)"),
                                 validators=[Optional(), Length(max=20)], render_kw=MONEY_INPUT)

    def __init__(self, *args, kinds=tuple(CaseKind), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = options((k.value, k.title) for k in kinds)
        self.origin.choices = options((o.value, o.title) for o in CaseOrigin
                                      if o != CaseOrigin.ENTITLEMENT)


class DecideForm(Versioned):
    decision = RadioField(_l("Decision"), validators=[InputRequired()], choices=options((
        ("approve", _l("Approve")), ("refuse", _l("Refuse")))))
    reason = TextAreaField(_l("Reasons (the dealer and the clerk read them)"),
                           validators=[InputRequired(), Length(max=2000)])


class CompleteForm(Versioned):
    completed_on = DateField(_l("Day of the handover"), validators=[InputRequired()])
    replacement_serial = StringField(_l("Serial number of the replacement machine"),
                                     validators=[Optional(), Length(max=40)])
    refund_amount = StringField(_l("Amount refunded (yuan)"),
                                validators=[Optional(), Length(max=20)], render_kw=MONEY_INPUT)
    buyer_receipt = StringField(_l("The buyer's receipt (number or note)"),
                                validators=[Optional(), Length(max=100)])
    other_model_agreed = BooleanField(_l("The buyer agreed to another model (of the same "
                                         "category) instead of the same model"))
    buyer_difference = StringField(_l("Price difference settled with the buyer (yuan)"),
                                   validators=[Optional(), Length(max=20)],
                                   render_kw=MONEY_INPUT)


class ReceiveMachineForm(Versioned):
    received_on = DateField(_l("Day the machine arrived"), validators=[InputRequired()])
    note = TextAreaField(_l("What arrived (optional)"), validators=[Optional(), Length(max=2000)])


class JudgeMachineForm(Versioned):
    verdict = RadioField(_l("Verdict"), validators=[InputRequired()])
    cause = TextAreaField(_l("Cause of the failure"), validators=[InputRequired(),
                                                                 Length(max=2000)])
    # Any id reaches the service, which says why a part does not do (portal/cases/machine.py).
    part_id = SelectField(_l("Main part that failed"), coerce=int, validators=[Optional()],
                          validate_choice=False)

    def __init__(self, *args, parts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.verdict.choices = MachineVerdict.choices()
        self.part_id.choices = options([(0, "—"), *((p.id, f"{p.part_number} {p.name}")
                                                    for p in parts)])
