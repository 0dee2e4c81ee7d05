"""Domain errors and the HTTP error pages (JSON for the API, HTML otherwise)."""

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

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
            return jsonify(error=code, message=error.description), error.code
        response = app.make_response(
            (render_template("errors/error.html", error=error), error.code)
        )
        response.vary.add("HX-Request")
        return response

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        if _wants_json():
            return jsonify(error="internal_error", message="Something went wrong."), 500
        return render_template("errors/error.html", error=error), 500
