"""Helpers shared by forms."""

from flask import flash


def show_error(form, error) -> None:
    """Put a domain error next to its field, or at the top of the form when it has none."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
        flash(error.message, "error")
