"""Domain errors and the HTTP error pages (JSON for the API, HTML otherwise)."""

from flask import jsonify, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Conflict, HTTPException

from portal.extensions import db


class DomainError(Exception):
    """A business rule refused an operation; the message is shown to the user."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def _wants_json() -> bool:
    return request.blueprint == "api" or request.path.startswith("/api/")


def register_error_handlers(app):
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if _wants_json():
            code = error.name.lower().replace(" ", "_").replace("'", "")
            response = jsonify(error=code, message=error.description)
        else:
            response = app.make_response(render_template("errors/error.html", error=error))
            response.vary.add("HX-Request")
        response.status_code = error.code
        # The exception's own headers: a 405's Allow, a 401's WWW-Authenticate, a 429's
        # Retry-After; its Content-Type is that of werkzeug's page, not of this answer.
        response.headers.extend((k, v) for k, v in error.get_headers()
                                if k.lower() != "content-type")
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        """A form sent after the session ended carries the token of a session that is gone:
        the user signs in again (htmx gets HX-Redirect), rather than meeting a 400 page
        swapped into the part of the page the form was to update."""
        from portal.core.permissions import PUBLIC, unauthorized_response

        view = app.view_functions.get(request.endpoint)
        if not current_user.is_authenticated and getattr(view, "access", PUBLIC) != PUBLIC:
            return unauthorized_response()
        return http_error(error)

    @app.errorhandler(StaleDataError)
    def stale_save(_error):
        """A save that met someone else's change at flush time, where no form catches it."""
        from portal.core.versioning import StaleVersion

        db.session.rollback()
        return http_error(Conflict(str(StaleVersion().message)))

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        if _wants_json():
            return jsonify(error="internal_error", message="Something went wrong."), 500
        return render_template("errors/error.html", error=error), 500
