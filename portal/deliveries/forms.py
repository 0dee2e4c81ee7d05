"""Forms of delivery notes: head office's new note, the dealer's confirmation of receipt."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.core.forms import DecimalField, SelectField
from portal.core.validators import HiddenLength
from portal.core.versioning import Versioned
from portal.deliveries.services import MAX_QTY, NUMBER_MAX, find_parts, find_units

EMPTY_PART_ROWS = 5


class PartRowForm(Form):
    part_number = StringField(_l("Part number"), validators=[Optional(), Length(max=40)],
                              render_kw={"autocomplete": "off", "autocapitalize": "characters"})
    quantity = IntegerField(_l("Quantity"),
                            validators=[Optional(), NumberRange(min=1, max=MAX_QTY)],
                            render_kw={"inputmode": "numeric"})
    unit_price = DecimalField(_l("Price (empty = catalogue)"), places=2,
                              validators=[Optional(), NumberRange(min=0, max=10**8)],
                              render_kw={"inputmode": "decimal"})


class NoteForm(FlaskForm):
    dealer = SelectField(_l("Dealer"), coerce=int, choices=[], validators=[InputRequired()])
    shipped_on = DateField(_l("Shipped on"), validators=[InputRequired()])
    carrier = StringField(_l("Carrier / vehicle"), validators=[Optional(), Length(max=60)])
    number = StringField(_l("Note number (empty = next number)"),
                         validators=[Optional(), Length(max=NUMBER_MAX)],
                         render_kw={"autocomplete": "off"})
    serials = TextAreaField(_l("Units: serial numbers, one per line"),
                            validators=[Optional(), Length(max=20000)],
                            render_kw={"rows": 5, "autocapitalize": "characters"})
    parts = FieldList(FormField(PartRowForm), min_entries=EMPTY_PART_ROWS, max_entries=500)
    note = TextAreaField(_l("Remarks"), validators=[Optional(), Length(max=2000)],
                         render_kw={"rows": 2})
    plan_id = HiddenField(validators=[HiddenLength(max=20)])

    def validate(self, extra_validators=None) -> bool:
        """The fields, then the catalogue: every serial a unit in factory stock, every part row
        a known part with its quantity (a message by each that is not); what was found is kept
        as ``units`` and ``part_lines``."""
        if not super().validate(extra_validators):
            return False
        self.units, problems = find_units(self.serials.data)
        self.serials.errors = [*self.serials.errors, *problems]
        self.part_lines, parts_ok = self._part_lines()
        return not problems and parts_ok

    def _part_lines(self) -> tuple[list, bool]:
        """(part, quantity, price) for each filled row, and whether every row was understood."""
        rows = [e.form for e in self.parts if (e.form.part_number.data or "").strip()]
        parts = find_parts(row.part_number.data for row in rows)
        lines = []
        for row in rows:
            part = parts.get(row.part_number.data.strip().upper())
            if part is None:
                row.part_number.errors = [*row.part_number.errors, _("No part has this number.")]
            elif row.quantity.data is None:
                row.quantity.errors = [*row.quantity.errors, _("Enter the quantity.")]
            else:
                lines.append((part, row.quantity.data, row.unit_price.data))
        return lines, len(lines) == len(rows)


class ConfirmForm(Versioned):
    remark = TextAreaField(_l("Remark (required when something differs)"),
                           validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})


def confirm_form(note, **kwargs) -> ConfirmForm:
    """The confirmation form of ``note``: one received-quantity field per line, prefilled with
    what was shipped."""

    class NoteConfirmForm(ConfirmForm):
        pass

    for line in note.lines:
        setattr(NoteConfirmForm, f"received_{line.id}", IntegerField(
            _l("Received"), default=line.quantity,
            validators=[InputRequired(), NumberRange(min=0, max=line.quantity)],
            render_kw={"inputmode": "numeric", "min": 0, "max": line.quantity}))
    return NoteConfirmForm(version=note.version, **kwargs)
