"""Finance: the blueprint; its pages live in the *_views modules beside it."""

from flask import Blueprint

bp = Blueprint("finance", __name__, url_prefix="/finance")
