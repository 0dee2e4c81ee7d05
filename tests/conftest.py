"""Fixtures: one app per run on a migrated database, each test inside a rolled-back transaction.

TEST_DATABASE_URL selects PostgreSQL; without it the suite runs on a SQLite file.
"""

import contextvars
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask.globals import _cv_app, _cv_request
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session

from portal import ROOT, create_app
from portal.accounts.roles import Role
from portal.catalog.models import ModelCategory, PartKind, Season
from portal.core.db import clock_at
from portal.extensions import db as _db
from portal.finance.models import LedgerKind
from tests import factories
from tests.access_records import access_records
from tests.builders import SPRING_2027, confirmed_offset, make_season, post

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")

# The clock (``utcnow``, ``shanghai_today``) stands still for the whole run, at the moment it
# began: a module's ``TODAY`` taken when it is imported and the pages' own today agree even when
# a run crosses midnight in Shanghai (16:00 UTC). A test wanting another moment uses
# ``clock_at``, which restores this one after its block. Entered here, before any test module
# is imported, in the main thread's context (the test client copies it into each request).
SESSION_MOMENT = datetime.now(UTC)
_SESSION_CLOCK = clock_at(SESSION_MOMENT)  # kept: collected, it would reset the clock
_SESSION_CLOCK.__enter__()


class ConnectionSession(Session):
    """Flask-SQLAlchemy's session would pick the engine; use the test's connection instead."""

    def get_bind(self, *args, **kwargs):
        return self.bind


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if TEST_DATABASE_URL:
        _reset_postgres(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def _compile_translations() -> None:
    """Build the .mo files from the .po sources, so tests see the current translations."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (ROOT / "portal" / "translations").glob("*/LC_MESSAGES/messages.po"):
        with open(po, "rb") as source:
            catalog = read_po(source)
        with open(po.with_suffix(".mo"), "wb") as target:
            write_mo(target, catalog)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    _compile_translations()
    os.environ["PORTAL_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("instance"))
    app = create_app({
        "PORTAL_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret-key-not-for-production",
    })
    with app.app_context():
        upgrade()  # the schema comes from the migrations, exactly as in production
    return app


@pytest.fixture(autouse=True)
def _forget_built_snapshots():
    """The failure overview's tables are kept in memory by (snapshot id, as of); with the run's
    clock standing still and the database rolled back, another test's snapshot can carry the
    same key, so each test starts without them."""
    from portal.analytics import snapshots

    snapshots._made.clear()


@pytest.fixture(autouse=True)
def db(app):
    """The database inside a transaction that is rolled back after the test."""
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        original = _db.session
        _db.session = _db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint",
             "class_": ConnectionSession}
        )
        with app.test_request_context():
            yield _db
        _db.session.remove()
        _db.session = original
        transaction.rollback()
        connection.close()


class FreshContextClient(FlaskClient):
    """Each request gets its own app context (and ``g``), as in a real server.

    The test body keeps an app context open for database access; Flask would otherwise reuse
    it for the client's requests, sharing ``g`` (and cached sign-ins) between them.
    """

    def open(self, *args, **kwargs):
        def isolated():
            _cv_app.set(None)
            _cv_request.set(None)
            return FlaskClient.open(self, *args, **kwargs)

        response = contextvars.copy_context().run(isolated)
        _db.session.expire_all()  # the test's objects see what the request committed
        return response


@pytest.fixture
def client(app):
    app.test_client_class = FreshContextClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def world(db):
    """Two dealers with users of every role; rep_a looks after dealer A only."""
    return factories.world()


@pytest.fixture
def login(client):
    """Sign a user in on the test client: ``login(user)``."""

    def do_login(user, password=factories.PASSWORD):
        client.post("/logout")
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 303, response.data[:500]
        return response

    return do_login


@pytest.fixture
def api(client, world, db):
    """Call the API as a role of the world: ``api(method, path, role, json=...)``."""
    from portal.accounts.services import issue_token

    tokens = {role: issue_token(user) for role, user in world.users.items()}
    tokens["dealer_b"] = issue_token(world.dealer_b_admin)
    db.session.commit()

    def call(method, path, role=Role.ADMIN, headers=None, **kwargs):
        headers = dict(headers or {})
        if role:
            headers["Authorization"] = f"Bearer {tokens[role]}"
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return call


@dataclass
class Setup:
    season: Season
    model: object
    main: object
    wear: object


@pytest.fixture
def setup(world):
    """For stocking plans: ten unsold tractors in dealer A's stock, four in B's; a main and a
    wear part; the 2027 spring season."""
    tractor = factories.make_model(category=ModelCategory.TRACTOR_LARGE)
    main = factories.make_part("PLAN-M1", models=[tractor], kind=PartKind.MAIN,
                               price=Decimal("100.00"), season_consumption=Decimal("0.2"))
    wear = factories.make_part("PLAN-W1", models=[tractor], kind=PartKind.WEAR,
                               price=Decimal("12.50"), season_consumption=Decimal("0.5"))
    for _ in range(10):
        factories.make_unit(model=tractor, dealer=world.dealer_a)
    for _ in range(4):
        factories.make_unit(model=tractor, dealer=world.dealer_b)
    season = make_season("2027 春季", *SPRING_2027)
    return Setup(season, tractor, main, wear)


@pytest.fixture
def ledger_history(world):
    """Dealer A: opening 1000, invoice 5000, payment 2000, a 150 offset, invoice 800."""
    a = world.dealer_a
    post(a, LedgerKind.OPENING, date(2025, 12, 31), "QC-2026", "1000.00")
    post(a, LedgerKind.INVOICE, date(2026, 1, 10), "FP-001", "5000.00")
    post(a, LedgerKind.PAYMENT, date(2026, 2, 5), "SK-001", "-2000.00")
    notice, offset = confirmed_offset(a, date(2026, 3, 3))
    post(a, LedgerKind.INVOICE, date(2026, 3, 20), "FP-002", "800.00")
    post(world.dealer_b, LedgerKind.INVOICE, date(2026, 1, 1), "FP-B1", "333.33")
    return notice, offset


@pytest.fixture
def objects(app, world, db):
    """A record of every kind a URL names, for the access matrix and the CSRF walk."""
    return access_records(app, world, db)
