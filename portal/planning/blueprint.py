"""Stocking plans: the blueprint; its pages live in the *_views modules beside it."""

from flask import Blueprint

bp = Blueprint("planning", __name__, url_prefix="/plans")
