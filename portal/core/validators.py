"""Validators shared by forms (importing nothing of the portal, so any form module may)."""

from wtforms.validators import Length


class HiddenLength(Length):
    """A hidden field's length limit. Its data may be a number the view set from the record
    (an id, a version) rather than text sent, which has no length to check."""

    def __call__(self, form, field):
        if isinstance(field.data, str):
            super().__call__(form, field)
