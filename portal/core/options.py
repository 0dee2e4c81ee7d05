"""The <option>s of a long choice list (a thousand dealers, hundreds of parts), in one pass:
a template's loop over them costs several times more than the rest of a page."""

from markupsafe import Markup, escape


def options(choices, selected: int | None) -> Markup:
    """<option>s of (id, text) pairs, the ``selected`` id marked."""
    choices = [(int(value), text) for value, text in choices]
    joined = "\n".join(text for _value, text in choices)
    if joined.count("\n") == len(choices) - 1:  # one escape over all the texts, split again
        texts = str(escape(joined)).split("\n") if choices else []
    else:  # a text holds a line break: escape each
        texts = [str(escape(text)) for _value, text in choices]
    return Markup("".join(
        f'<option value="{value}"{" selected" if value == selected else ""}>{text}</option>'
        for (value, _text), text in zip(choices, texts, strict=True)))
