"""API plumbing: bearer tokens, JSON errors, input parsing; the endpoints live beside it."""

import re
from datetime import date
from decimal import Decimal
from functools import wraps

from flask import Blueprint, g, jsonify, request

from portal.accounts.services import user_for_token
from portal.accounts.throttle import api_lockout_seconds, record_api_failure
from portal.core.db import commit_apart
from portal.core.decimals import finite_decimal
from portal.core.errors import DomainError
from portal.core.permissions import PUBLIC, any_of
from portal.core.versioning import api_version
from portal.extensions import db

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class ApiError(Exception):
    """An answer other than success: status, a stable code, a message, maybe the field."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.headers = headers or {}


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    payload = {"error": error.code, "message": error.message}
    if error.field:
        payload["field"] = error.field
    db.session.rollback()
    return jsonify(payload), error.status, error.headers


def rule_broken(error: DomainError) -> ApiError:
    """A business rule refused a well-formed request: 422 (409 for conflicts)."""
    status, code = (409, "conflict") if getattr(error, "conflict", False) else (
        422, "rule_violated")
    return ApiError(status, code, str(error.message), error.field)


def token_required(*predicates):
    """Authenticate by ``Authorization: Bearer <token>``; restrict to the users any of the
    given role-only predicates (``can_*`` of the domains' access modules) grants, if any."""
    let_in = any_of(*predicates) if predicates else None

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = _authenticate()
            if let_in is not None and not let_in(user):
                raise ApiError(403, "forbidden", "Your role may not do this.")
            g.api_user = user
            return view(*args, **kwargs)

        wrapped.access = PUBLIC  # guarded by the token, not the session
        wrapped.api = True
        return wrapped

    return decorator


def _authenticate():
    """The user of the request's bearer token. A valid token always passes, whatever others
    sent from its address; wrong tokens are counted per address, and an address with too many
    of them is answered 429 for a while instead of 401 (``portal.accounts.throttle``)."""
    address = request.remote_addr or ""
    presented = request.headers.get("Authorization", "")
    scheme, _sep, token = presented.partition(" ")
    user = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        if wait := api_lockout_seconds(address):
            raise ApiError(429, "too_many_requests",
                           "Too many invalid tokens from this address; try again later.",
                           headers={"Retry-After": str(wait)})
        if presented:  # no header at all is not a guess
            # committed now: the error handler rolls back, and the failure must stay counted
            commit_apart(db.session(), lambda: record_api_failure(address))
        raise ApiError(401, "unauthorized", "A valid bearer token is required.")
    return user


def sent_version():
    """The version of the record the client acted on: the optional ``version`` of the JSON body
    (none, or no body, means the latest; ``core.versioning.api_version``)."""
    data = request.get_json(silent=True)
    return api_version(data if isinstance(data, dict) else {})


def json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "The body must be a JSON object.")
    return data


def _bad(field: str, what: str) -> ApiError:
    return ApiError(400, "bad_request", f"{field}: {what}", field)


def text(data: dict, field: str, limit: int, required: bool = True) -> str:
    value = data.get(field)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _bad(field, "a non-empty string is required")
    if len(value) > limit:
        raise _bad(field, f"at most {limit} characters")
    return value.strip()


CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")


def code(value: str, field: str) -> str:
    if not CODE_RE.match(value):
        raise _bad(field, "letters, digits and . _ / - only, at most 40")
    return value


def whole_number(value) -> int | None:
    """A JSON number that is whole (JSON Schema's "integer" takes 3.0 as well as 3); None for
    anything else, true and false included."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def integer(data: dict, field: str, low: int, high: int, nullable: bool = False):
    value = data.get(field)
    if value is None and nullable:
        return None
    number = whole_number(value)
    if number is None or not low <= number <= high:
        raise _bad(field, f"a whole number from {low} to {high} is required")
    return number


DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def iso_date(data: dict, field: str, required: bool = True) -> date | None:
    value = data.get(field)
    if value is None and not required:
        return None
    if isinstance(value, str) and DATE_RE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _bad(field, "a date YYYY-MM-DD is required")


def boolean(data: dict, field: str) -> bool:
    value = data.get(field)
    if not isinstance(value, bool):
        raise _bad(field, "true or false is required")
    return value


def money(data: dict, field: str) -> Decimal:
    value = data.get(field)
    amount = finite_decimal(value) if isinstance(value, str) else None
    if amount is None or amount < 0 or amount >= 10**7 or (
        amount.as_tuple().exponent < -2
    ):
        raise _bad(field, 'a decimal string with at most two places is required, e.g. "123.45"')
    return amount.quantize(Decimal("0.01"))


def string_list(data: dict, field: str) -> list[str]:
    value = data.get(field)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad(field, "a list of strings is required")
    return value
