"""Helpers shared by forms."""

from datetime import date
from decimal import Decimal

from flask import flash, redirect, request
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape
from sqlalchemy.orm.exc import StaleDataError
from wtforms import DecimalField as WtDecimalField
from wtforms import SelectChoice, widgets
from wtforms import SelectField as WtSelectField
from wtforms import SelectMultipleField as WtSelectMultipleField

from portal.core.decimals import finite_decimal
from portal.core.errors import DomainError
from portal.core.versioning import StaleVersion
from portal.extensions import db


def options(pairs) -> list[SelectChoice]:
    """Choices for a select or checkbox list from (value, label) pairs; a lazy label stays lazy,
    so choices made once, on a form's class, still show in each reader's language."""
    return [SelectChoice(value, label if isinstance(label, LazyString) else str(label))
            for value, label in pairs]


def attempt(form, action) -> tuple[bool, object]:
    """Run one service call as the request's transaction.

    On success commit and return (True, its result); when a business rule refuses, or someone
    else changed the record in the meantime, roll back, show the message by its field (the error
    is kept as ``form.domain_error``) and return (False, None).
    """
    try:
        result = action()
        db.session.commit()
    except (DomainError, StaleDataError) as refusal:
        db.session.rollback()
        error = StaleVersion() if isinstance(refusal, StaleDataError) else refusal
        show_error(form, error)
        form.domain_error = error
        return False, None
    return True, result


def deleted(message: str, target: str):
    """Answer a delete: nothing for htmx (the row goes in place), else a message and redirect."""
    if request.htmx and not request.htmx.boosted:
        return ""
    flash(message, "success")
    return redirect(target, 303)


def show_error(form, error) -> None:
    """Put a domain error next to its field, or at the top of the form when it has none."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def arg_date(name: str, errors: list) -> date | None:
    """A date from the query string (a filter on a list or report); a bad one adds a message to
    ``errors`` and counts as not given."""
    text = request.args.get(name, "").strip()
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        errors.append(_("Enter dates like 2026-03-01."))
        return None


def typed_amount(name: str) -> Decimal | None:
    """The amount typed into a table row's field ``name``: None when left empty; -1, which the
    services refuse with the line's own message, when it is no finite number."""
    text = request.form.get(name, "").strip()
    if not text:
        return None
    amount = finite_decimal(text)
    return Decimal(-1) if amount is None else amount


class DecimalField(WtDecimalField):
    """The decimal field of every form: WTForms' own, refusing with its message what
    ``finite_decimal`` does not count as a number (NaN, infinities, 1e999999), which the
    range validators and the database could not compare or store."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and finite_decimal(self.data) is None:
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))



LIBRARY_HTML_PARAMS = widgets.core.html_params


def html_params(**kwargs) -> Markup:
    """WTForms' ``html_params`` without its ``Markup.format`` per attribute (a string formatter
    run each time, most of what a form field's rendering costs): the same attributes, sorted,
    escaped and quoted alike (tests/test_select_widget.py compares them). Every widget uses it
    (set below)."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = escape(widgets.core.clean_key(key))
        if value is True:
            params.append(key)
        elif value is not False:
            quoted = str(escape(value)).replace('"', "&quot;")
            params.append(f'{key}="{quoted}"')
    return Markup(" ".join(params))


widgets.core.html_params = widgets.html_params = html_params
widgets.core.Input.html_params = widgets.core.Button.html_params = staticmethod(html_params)


class Select(widgets.Select):
    """WTForms' select widget, rendering a plain option (no attributes of its own) in one
    f-string: the library builds, sorts and formats an attribute dict per option, which made a
    select of the thousand active dealers most of a page's time. Its HTML is the library's
    (tests/test_select_widget.py compares them); an option with ``render_kw`` and a group label
    still go through the library. A select of plain text choices skips the library's choice
    objects altogether (``_plain_options``)."""

    def __call__(self, field, **kwargs):
        plain = _plain_options(field) if not self.multiple else None
        if plain is None:
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)  # the library's <select> attributes, as it sets them
        flags = getattr(field, "flags", {})
        for k in dir(flags):
            if k in self.validation_attrs and k not in kwargs:
                kwargs[k] = getattr(flags, k)
        return Markup(f"<select {widgets.html_params(name=field.name, **kwargs)}>{plain}"
                      "</select>")

    @classmethod
    def render_option(cls, choice, **kwargs):
        if choice.render_kw or kwargs:
            return super().render_option(choice, **kwargs)
        value = choice.value
        if isinstance(value, bool):
            value = str(value)
        # html_params escapes the value and quotes a '"' a Markup value may hold
        value = str(escape(value)).replace('"', "&quot;")
        label = escape(choice.label or choice.value)
        if choice.selected:
            return f'<option selected value="{value}">{label}</option>'
        return f'<option value="{value}">{label}</option>'


def _plain_options(field) -> str | None:
    """Every <option> of a select whose choices are all plain (text values and labels, no
    group, no attributes, values compared as text), escaped in one pass over all the texts: the
    thousand dealers of a routing form took a few milliseconds choice by choice. None for any
    other select, which the library's way renders."""
    choices = field.choices
    if getattr(field, "coerce", None) is not str or not isinstance(choices, list):
        return None
    values, labels = [], []
    for choice in choices:
        if (type(choice) is not SelectChoice or choice.optgroup is not None or choice.render_kw
                or type(choice.value) is not str or type(choice.label or choice.value) is not str):
            return None
        values.append(choice.value)
        labels.append(choice.label or choice.value)
    data = field.data
    return "".join(
        f'<option selected value="{value}">{label}</option>' if raw == data
        else f'<option value="{value}">{label}</option>'
        for raw, value, label in zip(values, _escaped_each(values), _escaped_each(labels),
                                     strict=True))


def _escaped_each(texts: list[str]) -> list[str]:
    """``texts`` HTML-escaped, in one call where no text holds a line break."""
    joined = "\n".join(texts)
    if joined.count("\n") == len(texts) - 1:
        return str(escape(joined)).split("\n") if texts else []
    return [str(escape(text)) for text in texts]


class SelectField(WtSelectField):
    """The select field of every form: WTForms' own with the one-pass widget."""

    widget = Select()


class SelectMultipleField(WtSelectMultipleField):
    """The multiple select of every form: WTForms' own with the one-pass widget."""

    widget = Select(multiple=True)
