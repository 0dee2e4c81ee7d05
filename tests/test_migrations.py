"""Migrations build the schema from empty and match the models exactly."""

import os

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.extensions import db as _db


def _drift(connection):
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, _db.metadata)


def test_migrated_schema_has_no_drift(app, db):
    """The suite's database was built by the migrations alone (SQLite or PostgreSQL)."""
    with db.engine.connect() as connection:
        assert _drift(connection) == []


def test_upgrade_downgrade_upgrade_on_an_empty_sqlite(tmp_path):
    os.environ["PORTAL_INSTANCE_PATH"] = str(tmp_path)
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url,
                      "SECRET_KEY": "x" * 40})
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(sa.inspect(_db.engine).get_table_names()) == {"alembic_version"}
        upgrade()
        with _db.engine.connect() as connection:
            assert _drift(connection) == []
        _db.engine.dispose()
