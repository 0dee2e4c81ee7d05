"""Old-part returns: the blueprint; its pages live in the *_views modules beside it."""

from flask import Blueprint

bp = Blueprint("returns", __name__, url_prefix="/returns")
