"""API plumbing: bearer-token authentication; endpoints arrive with their domains."""

from functools import wraps

from flask import Blueprint, g, jsonify, request

from portal.accounts.services import user_for_token
from portal.core.permissions import PUBLIC
from portal.extensions import db

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def token_required(*roles):
    """Authenticate by ``Authorization: Bearer <token>``; restrict to ``roles`` if given."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            scheme, _sep, token = header.partition(" ")
            user = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
            if user is None:
                return jsonify(error="a valid bearer token is required"), 401
            if roles and user.role not in roles:
                return jsonify(error="forbidden for this role"), 403
            db.session.commit()  # keeps last_used_at
            g.api_user = user
            return view(*args, **kwargs)

        wrapped.access = PUBLIC  # guarded by the token, not the session
        wrapped.api = True
        return wrapped

    return decorator


@bp.route("/me")
@token_required()
def me():
    """Who this token belongs to."""
    user = g.api_user
    return jsonify(username=user.username, role=user.role.value,
                   dealer=user.dealer.code if user.dealer else None)
