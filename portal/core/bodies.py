"""How large a request body may be: files come as multipart forms and may reach
``MAX_CONTENT_LENGTH``; any other body (a form's fields, an API call's JSON) has no use for more
than ``MAX_BODY_LENGTH``, so a flood of text is refused (413) before it is read, let alone kept."""

from flask import current_app


class BodyLimit:
    """Mixed into the app's request class (which others extend too: htmx, translations)."""

    @property
    def max_content_length(self) -> int | None:
        limit = super().max_content_length
        if not current_app or self.mimetype == "multipart/form-data":
            return limit
        smaller = current_app.config["MAX_BODY_LENGTH"]
        return smaller if limit is None else min(limit, smaller)


def limit_bodies(app) -> None:
    """Called once the extensions have set their request class: ours goes in front of it."""
    app.request_class = type("Request", (BodyLimit, app.request_class), {})
