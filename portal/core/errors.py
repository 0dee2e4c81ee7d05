"""Domain errors and the HTTP error pages (JSON for the API, HTML otherwise)."""

from flask import jsonify, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Conflict, HTTPException, ServiceUnavailable

from portal.extensions import db


class DomainError(Exception):
    """A business rule refused an operation; the message is shown to the user."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


RETRY_AFTER_SECONDS = 1
# PostgreSQL's SQLSTATEs of a transaction that met another over a lock and was given up:
# serialization failure, deadlock, lock not available (lock_timeout).
PG_LOCK_STATES = {"40001", "40P01", "55P03"}
SQLITE_BUSY = 5  # the primary result code of "database is locked" (extended codes share it)
SQLITE_UNIQUE = {1555, 2067}  # SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE
PG_UNIQUE = "23505"


def lost_a_lock(error: OperationalError) -> bool:
    """The database gave up waiting for another transaction's lock (SQLite's busy timeout ran
    out; PostgreSQL's deadlock, serialization or lock timeout): nothing was written, and the
    same request a moment later goes through."""
    code = getattr(error.orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF == SQLITE_BUSY
    return getattr(error.orig, "sqlstate", None) in PG_LOCK_STATES


def stored_first(error: IntegrityError) -> bool:
    """Another transaction stored the same key first: two creations of one record at once
    (the check for an existing one passed in both, on PostgreSQL). Other refused constraints
    are faults of ours."""
    code = getattr(error.orig, "sqlite_errorcode", None)
    if code is not None:
        return code in SQLITE_UNIQUE
    return getattr(error.orig, "sqlstate", None) == PG_UNIQUE


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

    @app.errorhandler(IntegrityError)
    def created_meanwhile(error: IntegrityError):
        """The same record created by someone else at the same moment: the same 409 as a
        change that met another's."""
        if not stored_first(error):
            raise error
        app.logger.warning("stored by another transaction first: %s", error.orig)
        return stale_save(error)

    @app.errorhandler(OperationalError)
    def busy(error: OperationalError):
        """A write that waited its turn too long: 503 with Retry-After, rather than 500, so a
        client (or the person) tries again. Anything else the database refused stays a 500."""
        if not lost_a_lock(error):
            raise error
        db.session.rollback()
        app.logger.warning("gave up waiting for a database lock: %s", error.orig)
        response = app.make_response(http_error(ServiceUnavailable(
            "The database is busy with other changes; nothing was saved. Try again.")))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        if _wants_json():
            return jsonify(error="internal_error", message="Something went wrong."), 500
        return render_template("errors/error.html", error=error), 500
