"""Failure analytics and scorecards: the blueprint; its pages live in *_views modules beside it."""

from flask import Blueprint

bp = Blueprint("analytics", __name__, url_prefix="/analytics")
