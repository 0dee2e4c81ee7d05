"""Structured logs: one JSON line per record, each carrying the request id of its request.

Every request gets an id: the caller's ``X-Request-ID`` when it is well formed (a load balancer
or another service may have set it), otherwise a new one. It is kept on ``flask.g``, sent back
in the response header and added to every log record made while the request is handled, so the
access line and an error's traceback can be found together. Logs go to stderr; in tests they
stay quiet (pytest's ``caplog`` still sees the records) unless ``LOG_JSON`` is set.
"""

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, g, has_request_context, request

HEADER = "X-Request-ID"
VALID_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
ACCESS = logging.getLogger("portal.access")

# What a request adds to its records; also the keys of an access line.
REQUEST_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id",
                  "remote_addr")


def request_id() -> str:
    """The current request's id, taken from the caller or made up once."""
    if "request_id" not in g:
        incoming = request.headers.get(HEADER, "")
        g.request_id = incoming if VALID_ID.fullmatch(incoming) else uuid.uuid4().hex
    return g.request_id


class RequestIdFilter(logging.Filter):
    """Stamp each record made during a request with that request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None) and has_request_context():
            record.request_id = request_id()
        return True


class JsonFormatter(logging.Formatter):
    """A record as one JSON object: UTC time, level, logger, message, request fields, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in REQUEST_FIELDS:
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _handler(stream) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler.portal_json = True  # so a second create_app replaces it rather than adding one
    return handler


def configure_logging(app: Flask) -> None:
    """Send every log record as a JSON line to stderr and log each request."""
    quiet = app.testing and not app.config.get("LOG_JSON")
    # app.logger and every portal.* module; a test asks for more with caplog.at_level.
    logging.getLogger("portal").setLevel("WARNING" if quiet else app.config["LOG_LEVEL"])
    if not quiet:
        root = logging.getLogger()
        for old in [h for h in root.handlers if getattr(h, "portal_json", False)]:
            root.removeHandler(old)
        root.addHandler(_handler(sys.stderr))
        if root.level > logging.WARNING or root.level == logging.NOTSET:
            root.setLevel(logging.WARNING)  # libraries: warnings and worse
        from flask.logging import default_handler

        app.logger.removeHandler(default_handler)  # the JSON handler on the root says it all
    app.before_request(_start)
    app.after_request(_log_request)


def _start() -> None:
    g.request_started = time.perf_counter()
    request_id()


def _log_request(response):
    response.headers[HEADER] = rid = request_id()
    started = g.get("request_started", time.perf_counter())
    # Only a user this request already loaded: logging must not cost a query.
    user = g.get("api_user") or g.get("_login_user")
    method, path = request.method, request.path
    ACCESS.info(
        "%s %s %s", method, path, response.status_code,
        extra={
            "request_id": rid, "method": method, "path": path,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "user_id": _user_id(user),
            "remote_addr": request.remote_addr,
        },
    )
    return response


def _user_id(user) -> int | None:
    """The signed-in user's id, read from the identity map (an expired user is not reloaded)."""
    state = sa.inspect(user, raiseerr=False) if user is not None else None
    return state.identity[0] if state is not None and state.identity else None
