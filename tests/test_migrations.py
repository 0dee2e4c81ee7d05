"""Migrations build the schema from empty and match the models exactly."""

import os

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from portal import ROOT, create_app
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


def test_the_false_alert_rate_replaces_the_significance_level(tmp_path):
    """Issue 21: a policy that kept the old default level 0.01 gets the new default rate 0.05;
    an administrator's own level is kept as the rate (at most 0.2, the form's new limit); the
    downgrade gives 0.01 back for 0.05."""
    os.environ["PORTAL_INSTANCE_PATH"] = str(tmp_path)
    app = create_app({"PORTAL_ENV": "testing", "SECRET_KEY": "x" * 40,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'rate.sqlite3'}"})

    def policy(column):
        with _db.engine.connect() as connection:
            return connection.execute(sa.text(f"SELECT {column} FROM policy_settings")).scalar()

    before = ScriptDirectory(str(ROOT / "migrations")).get_revision("a4c81e5f2d07").down_revision
    with app.app_context():
        upgrade(revision=before)
        for level, rate in (("0.01", "0.05"), ("0.005", "0.005"), ("0.3", "0.2")):
            with _db.engine.begin() as connection:
                connection.execute(sa.text("UPDATE policy_settings SET alert_significance = :v"),
                                   {"v": level})
            upgrade(revision="a4c81e5f2d07")
            assert float(policy("alert_false_rate")) == float(rate), level
            downgrade(revision=before)
            assert float(policy("alert_significance")) == float(
                "0.01" if rate == "0.05" else rate), level
        _db.engine.dispose()
