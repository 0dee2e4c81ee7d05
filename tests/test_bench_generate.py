"""The benchmark's data generator at a tiny scale: the documented command, its invariants, and
the bench users' main pages on what it made.

The generator and the page check run as their own processes (as the benchmark runs them): this
suite's fixtures bind the shared session to the test database, which the generated one is not.
On PostgreSQL (TEST_DATABASE_URL) the set goes into a separate database on the same server.
"""

import os
import subprocess
import sys
import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from benchmarks.gen_check import invariants
from portal import ROOT

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
SCALE = "0.001"  # 20 dealers (the floor) and the old and the new one, 500 units, 1,000 claims,
# 200 service register entries
# A dealer's own records and the date each is dated by: the old dealer has none of them younger
# than two years, the new dealer none at all.
DEALER_RECORDS = {"claims": "created_at", "units": "shipped_on", "warranty_cards": "created_at",
                  "service_requests": "received_at", "write_off_notices": "issued_at",
                  "ledger_entries": "entry_date", "owed_parts": "created_at",
                  "return_shipments": "shipped_on", "return_visits": "created_at"}


def _run(*args):
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="module")
def bench_url(tmp_path_factory):
    if not TEST_DATABASE_URL.startswith("postgresql"):
        yield f"sqlite:///{tmp_path_factory.mktemp('bench') / 'bench.sqlite3'}"
        return
    server = sa.engine.make_url(TEST_DATABASE_URL)
    name = f"bench_gen_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def generated(bench_url):
    result = _run("benchmarks.generate", "--database-url", bench_url, "--scale", SCALE,
                  "--seed", "7")
    assert result.returncode == 0, result.stderr[-3000:]
    engine = sa.create_engine(bench_url)
    yield engine, result.stdout
    engine.dispose()


def _scalar(engine, sql, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def test_counts_and_progress(generated):
    engine, output = generated
    assert _scalar(engine, "SELECT count(*) FROM dealers") == 22
    assert _scalar(engine, "SELECT count(*) FROM units") == 500
    assert _scalar(engine, "SELECT count(*) FROM claims") == 1000
    assert _scalar(engine, "SELECT count(*) FROM service_requests") == 200
    lines = _scalar(engine, "SELECT count(*) FROM claim_lines")
    assert 2.2 <= lines / 1000 <= 2.8
    codes = {row[0] for row in engine.connect().execute(sa.text("SELECT code FROM dealers"))}
    assert codes == {f"BD{n:04d}" for n in range(1, 23)}
    assert "claims" in output and "total:" in output and "analyze" in output


def test_every_status_and_stage_is_there(generated):
    engine, _output = generated
    with engine.connect() as conn:
        statuses = {r[0] for r in conn.execute(sa.text("SELECT DISTINCT status FROM claims"))}
        stages = {r[0] for r in conn.execute(sa.text(
            "SELECT DISTINCT finance_stage FROM claims WHERE finance_stage IS NOT NULL"))}
        notices = {r[0] for r in conn.execute(sa.text(
            "SELECT DISTINCT status FROM write_off_notices"))}
        owed = {r[0] for r in conn.execute(sa.text("SELECT DISTINCT status FROM owed_parts"))}
    assert statuses == {"draft", "submitted", "under_review", "approved", "partly_approved",
                        "rejected"}
    assert stages == {"forwarded", "approved", "rejected", "written_off"}
    assert {"issued", "confirmed"} <= notices
    assert {"owed", "received"} <= owed


def test_invariants_hold(generated):
    engine, _output = generated
    with engine.connect() as conn:
        assert invariants(conn) == []


def test_bench_dealer_has_open_work(generated):
    engine, _output = generated
    dealer = _scalar(engine, "SELECT id FROM dealers WHERE code = 'BD0001'")
    assert _scalar(engine, "SELECT dealer_id FROM users WHERE username = 'bench_dealer'") \
        == dealer
    assert _scalar(engine, "SELECT count(*) FROM claims WHERE dealer_id = :d "
                           "AND status = 'draft'", d=dealer) > 0
    assert _scalar(engine, "SELECT count(*) FROM write_off_notices WHERE dealer_id = :d "
                           "AND status = 'issued'", d=dealer) > 0
    assert _scalar(engine, "SELECT count(*) FROM owed_parts WHERE dealer_id = :d "
                           "AND status = 'owed'", d=dealer) > 0
    rep = _scalar(engine, "SELECT id FROM users WHERE username = 'bench_rep'")
    assert _scalar(engine, "SELECT count(*) FROM dealers WHERE sales_rep_id = :r", r=rep) == 20
    # The open notices carry their real PDF, as issuing them would have stored.
    assert _scalar(engine, "SELECT count(*) FROM write_off_notices n JOIN notice_documents d "
                           "ON d.notice_id = n.id WHERE n.dealer_id = :d "
                           "AND n.status = 'issued'", d=dealer) > 0


def _latest(engine, table, column, code):
    return _scalar(engine, f"SELECT max(t.{column}) FROM {table} t JOIN dealers d "
                           "ON d.id = t.dealer_id WHERE d.code = :c", c=code)


def test_an_old_dealer_and_a_new_one(generated):
    """The generator makes, after the others, a dealer whose records are all more than two
    years old (with claims, units and notices; the lowest ids) and a new one with none at all,
    under a rep of their own."""
    engine, _output = generated
    newest = date.fromisoformat(str(_scalar(engine, "SELECT max(created_at) FROM claims"))[:10])
    two_years = (newest - timedelta(days=365 * 2)).isoformat()  # the data set's, not today's
    for table, column in DEALER_RECORDS.items():
        latest = _latest(engine, table, column, "BD0021")
        assert latest is None or str(latest)[:10] < two_years, table
        assert _latest(engine, table, column, "BD0022") is None, table
    for table in ("claims", "units", "write_off_notices", "ledger_entries"):
        assert _latest(engine, table, "id", "BD0021") is not None, table
    # Its records are the table's oldest by id too, as in a real table: a list walked newest
    # first reaches them last.
    assert _scalar(engine, "SELECT d.code FROM claims c JOIN dealers d ON d.id = c.dealer_id "
                           "ORDER BY c.id LIMIT 1") == "BD0021"
    reps = _scalar(engine, "SELECT count(DISTINCT sales_rep_id) FROM dealers "
                           "WHERE code IN ('BD0021', 'BD0022')")
    assert reps == 1
    assert _scalar(engine, "SELECT count(*) FROM dealers WHERE sales_rep_id = (SELECT "
                           "sales_rep_id FROM dealers WHERE code = 'BD0022')") == 2


def test_bench_users_sign_in_and_main_pages_answer(generated, bench_url):
    result = _run("benchmarks.gen_check", "--database-url", bench_url)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "invariants: all hold" in result.stdout
    for username in ("bench_admin", "bench_clerk", "bench_tech", "bench_finance", "bench_rep",
                     "bench_dealer"):
        assert f"ok  303        0 ms  {username:<14} POST /login" in result.stdout
    # The benchmark's subjects, found by its rules, each signed in to its home page.
    subjects = {line.split()[5]: line for line in result.stdout.splitlines()
                if " subject " in line}
    assert set(subjects) == {"largest", "median", "small", "old", "new", "many", "few"}
    assert all(line.startswith("ok  200") for line in subjects.values())
    assert "bench_dealer (BD0001," in subjects["largest"]  # made the largest
    assert "(BD0021," in subjects["old"] and "(BD0022, no records)" in subjects["new"]
    assert "bench_rep (bench_rep, 20 dealers)" in subjects["many"]
    assert ", 2 dealers)" in subjects["few"]


def test_refuses_a_database_that_is_not_empty(generated, bench_url):
    result = _run("benchmarks.generate", "--database-url", bench_url, "--scale", SCALE)
    assert result.returncode != 0
    assert "not empty" in result.stderr
