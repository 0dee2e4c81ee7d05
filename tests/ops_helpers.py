"""A second portal app on its own database, outside the per-test rolled-back transaction."""

import os
from contextlib import contextmanager

from portal import create_app
from portal.extensions import db as _db


@contextmanager
def portal_app(database_url: str, instance_path, **config):
    """An app on ``database_url`` with its own instance folder, its context pushed, and an
    ordinary session (committing for real) instead of the test fixture's connection."""
    saved_env = os.environ.get("PORTAL_INSTANCE_PATH")
    os.environ["PORTAL_INSTANCE_PATH"] = str(instance_path)
    try:
        app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": database_url,
                          "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test-secret-key-not-prod",
                          **config})
    finally:
        if saved_env is None:
            os.environ.pop("PORTAL_INSTANCE_PATH", None)
        else:
            os.environ["PORTAL_INSTANCE_PATH"] = saved_env
    saved_session = _db.session
    _db.session = _db._make_scoped_session({})
    try:
        with app.app_context():
            try:
                yield app
            finally:
                _db.session.remove()
                _db.engine.dispose()
    finally:
        _db.session = saved_session
