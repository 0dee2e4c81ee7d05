"""Helpers shared by forms."""

from flask import flash
from wtforms import SelectChoice


def options(pairs) -> list[SelectChoice]:
    """Choices for a select or checkbox list from (value, label) pairs."""
    return [SelectChoice(value, str(label)) for value, label in pairs]


def show_error(form, error) -> None:
    """Put a domain error next to its field, or at the top of the form when it has none."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
        flash(error.message, "error")
