"""Request ids, JSON log lines and the health check a load balancer asks."""

import io
import json
import logging

import pytest

from portal.core.logs import JsonFormatter, RequestIdFilter
from tests.ops_helpers import portal_app


def access_records(caplog, path="/healthz"):
    return [r for r in caplog.records if r.name == "portal.access" and r.path == path]


def test_a_good_request_id_is_echoed_a_missing_one_made_up(client):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-1234.abc_DEF"})
    assert response.headers["X-Request-ID"] == "lb-1234.abc_DEF"
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert len(first) == 32 and first != second


@pytest.mark.parametrize("bad", ["x" * 65, "a b", "id;rm -rf", "ünïcode", "../etc"])
def test_a_malformed_request_id_is_replaced(client, bad):
    answered = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
    assert answered != bad and len(answered) == 32


def test_each_request_logs_one_json_line(client, login, world, caplog):
    login(world.users["admin"])
    with caplog.at_level(logging.INFO, logger="portal"):
        client.get("/dealers/", headers={"X-Request-ID": "req-42"})
    (record,) = access_records(caplog, "/dealers/")
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-42"
    assert line["level"] == "INFO" and line["logger"] == "portal.access"
    assert line["method"] == "GET" and line["path"] == "/dealers/" and line["status"] == 200
    assert line["user_id"] == world.users["admin"].id
    assert line["remote_addr"] == "127.0.0.1"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["time"].endswith("+00:00")


def test_records_made_during_a_request_carry_its_id(app, client, caplog):
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.INFO, logger="portal"):
        client.get("/healthz", headers={"X-Request-ID": "req-7"})
    assert access_records(caplog)[0].request_id == "req-7"
    with app.test_request_context(headers={"X-Request-ID": "req-8"}):
        logging.getLogger("portal.claims").warning("something odd")
    (odd,) = [r for r in caplog.records if r.getMessage() == "something odd"]
    assert odd.request_id == "req-8"


def test_an_error_is_one_json_line_with_its_traceback(database_url, tmp_path):
    stream = io.StringIO()
    with portal_app(database_url, tmp_path, LOG_JSON=True, PROPAGATE_EXCEPTIONS=False) as app:
        handler = next(h for h in logging.getLogger().handlers if getattr(h, "portal_json", 0))
        handler.setStream(stream)

        @app.get("/boom")
        def boom():
            raise RuntimeError("kaputt")

        try:
            assert (
                app.test_client().get("/boom", headers={"X-Request-ID": "r-9"}).status_code == 500
            )
        finally:
            logging.getLogger().removeHandler(handler)
            logging.getLogger("portal").setLevel("WARNING")  # quiet again for the other tests
    lines = [json.loads(text) for text in stream.getvalue().splitlines()]
    error = next(line for line in lines if line["level"] == "ERROR")
    assert error["request_id"] == "r-9" and "RuntimeError: kaputt" in error["exception"]
    assert any(line.get("status") == 500 and line["request_id"] == "r-9" for line in lines)


def test_health_answers_ok_without_a_session_cookie(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////nonexistent-folder/for/sure/portal.sqlite3",
        "postgresql+psycopg://portal@127.0.0.1:1/portal",
    ],
)
def test_health_answers_503_when_the_database_is_unreachable(url, tmp_path):
    with portal_app(url, tmp_path) as app:
        response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "unreachable"}
    assert "Set-Cookie" not in response.headers


def test_behind_a_load_balancer_the_client_address_is_the_forwarded_one(
    database_url, tmp_path, caplog
):
    with (
        portal_app(database_url, tmp_path, PROXY_HOPS=1) as app,
        caplog.at_level(logging.INFO, logger="portal"),
    ):
        app.test_client().get(
            "/healthz",
            headers={"X-Forwarded-For": "203.0.113.9"},
            environ_base={"REMOTE_ADDR": "10.0.0.2"},
        )
    assert access_records(caplog)[-1].remote_addr == "203.0.113.9"


def test_the_wsgi_module_freezes_what_starting_made(database_url, tmp_path):
    """gunicorn imports wsgi.py in each worker: the objects made while starting are frozen, so
    the collector's full passes do not walk them during requests."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "DATABASE_URL": database_url, "PORTAL_INSTANCE_PATH": str(tmp_path)}
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import gc, wsgi; print(gc.get_freeze_count(), len(gc.get_objects()))",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    frozen, tracked = int(out[0]), int(out[1])
    assert frozen > 50_000 and tracked < frozen / 10


def test_sqlite_connections_read_through_a_memory_map(app):
    from portal.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
            return
        assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is False
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA mmap_size").scalar() > 1_000_000_000
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -65_536


def test_the_favicon_is_linked_from_every_page_and_served(client):
    asked = client.get("/favicon.ico")  # where a browser looks when a page names no icon
    assert asked.status_code == 301 and asked.headers["Location"].endswith("/static/favicon.svg")
    assert "Set-Cookie" not in asked.headers
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.get_data(as_text=True).startswith("<svg")
    page = client.get("/login")
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page.text
    assert "Set-Cookie" in page.headers  # the sign-in form's session
    icon = client.get("/static/favicon.svg")  # fetched after the page: it leaves the cookie be
    assert icon.status_code == 200 and "Set-Cookie" not in icon.headers
