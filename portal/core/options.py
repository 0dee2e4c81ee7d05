"""The <option>s of a long choice list (a thousand dealers, hundreds of parts), in one pass:
a template's loop over them costs several times more than the rest of a page."""

from markupsafe import Markup, escape


def options(choices, selected) -> Markup:
    """<option>s of (value, text) pairs, ``selected`` marked."""
    return Markup("".join(
        f'<option value="{escape(value)}"{" selected" if value == selected else ""}>'
        f"{escape(text)}</option>" for value, text in choices))
