"""Dealer scope: the one predicate every list, loader and count narrows its records with."""

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from portal.accounts.roles import Role
from portal.claims.models import Claim
from portal.claims.scope import visible_claims
from portal.dealers.scope import in_scope, visible_dealer_ids, visible_dealers
from tests import factories
from tests.helpers import QueryCounter


def _where(stmt) -> str:
    """The WHERE clause of ``stmt`` as SQLite would get it, values written in."""
    sql = str(stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    return sql.partition("WHERE")[2].strip()


def _rep_of(*dealers):
    rep = factories.make_user(Role.SALES_REP)
    for dealer in dealers:
        dealer.sales_rep = rep
    return rep


def test_a_dealer_user_filters_on_its_dealer_id(world):
    user = world.users[Role.DEALER_STAFF]
    assert _where(visible_claims(user)) == f"claims.dealer_id = {world.dealer_a.id}"


def test_a_rep_filters_on_exactly_its_dealers(world, db):
    """An IN list of the rep's dealer ids on SQLite; on PostgreSQL a sub-select of them by
    ``sales_rep_id`` (an IN list makes its planner walk the primary key, see dealers/scope.py)."""
    third = factories.make_dealer()
    rep = _rep_of(world.dealer_a, third)
    db.session.flush()
    where = _where(visible_claims(rep))
    if db.engine.dialect.name == "postgresql":
        assert where == ("claims.dealer_id IN (SELECT dealers.id \nFROM dealers \n"
                         f"WHERE dealers.sales_rep_id = {rep.id})")
    else:
        assert where.startswith("claims.dealer_id IN (") and "SELECT" not in where
        listed = {int(n)
                  for n in where.removeprefix("claims.dealer_id IN (").rstrip(")").split(",")}
        assert listed == {world.dealer_a.id, third.id}
    for dealer in (world.dealer_a, third, world.dealer_b):
        factories.make_claim(factories.workshop(dealer).unit)
    seen = {claim.dealer_id for claim in db.session.scalars(visible_claims(rep))}
    assert seen == {world.dealer_a.id, third.id}


def test_head_office_and_commands_are_not_filtered(world):
    for role in (Role.CLERK, Role.TECHNICAL, Role.FINANCE, Role.ADMIN, None):
        user = world.users[role] if role else None
        assert "WHERE" not in str(visible_claims(user).compile(dialect=sqlite.dialect()))
        assert "WHERE" not in str(visible_dealers(user).compile(dialect=sqlite.dialect()))
        narrowed = sa.select(Claim).where(Claim.id > 0, in_scope(Claim.dealer_id, user))
        assert _where(narrowed) == "claims.id > 0"


def test_a_rep_with_no_dealers_sees_nothing(world, db):
    shop = factories.workshop(world.dealer_a)
    factories.make_claim(shop.unit)
    rep = factories.make_user(Role.SALES_REP)
    db.session.flush()
    assert db.session.scalars(visible_claims(rep)).all() == []
    assert db.session.scalars(visible_dealers(rep)).all() == []
    assert db.session.scalars(visible_claims(world.users[Role.SALES_REP])).all() != []


def test_a_reps_dealers_are_read_once_and_follow_a_reassignment(world, db):
    rep = world.users[Role.SALES_REP]
    db.session.commit()
    assert rep.role == Role.SALES_REP  # the user itself is loaded, as a request's user is
    with QueryCounter(db.engine) as counter:
        first, again = visible_dealer_ids(rep), visible_dealer_ids(rep)
    assert first == again == [world.dealer_a.id] and counter.count == 1
    world.dealer_b.sales_rep = rep
    db.session.commit()
    assert set(visible_dealer_ids(rep)) == {world.dealer_a.id, world.dealer_b.id}


def _list_sql(db, client, url):
    """The SELECTs of claims (with their bound values) that a page runs."""
    seen = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith("SELECT") and "FROM claims" in statement:
            seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", keep)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", keep)
    return seen


def _walk(statements):
    """The statement that walks the list newest first to its page's end (on PostgreSQL the
    list's ids, whose rows are then read by id: see ``portal.core.pagination``)."""
    return next((s, p) for s, p in statements if "id DESC" in s and "LIMIT" in s)


def test_the_dealers_claims_list_reads_its_index_not_every_claim(client, login, world, db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the query plan asked for is SQLite's")
    shop = factories.workshop(world.dealer_a)
    for _ in range(3):
        factories.make_claim(shop.unit)
    db.session.commit()
    login(world.users[Role.DEALER_STAFF])
    statement, parameters = _walk(_list_sql(db, client, "/claims/"))
    with db.engine.connect() as connection:
        plan = " | ".join(row[-1] for row in connection.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {statement}", parameters))
    assert "USING INDEX ix_claims_dealer_id (dealer_id=?)" in plan, plan
    assert "SCAN claims" not in plan and "TEMP B-TREE" not in plan, plan


# The statistics ANALYZE wrote for the bench data set (250,000 claims of 250 dealers, 125,000
# units): which plan SQLite picks depends on them, and a test database of a few rows has none.
BENCH_STATS = """
claims ix_claims_dealer_completed 250000 1000 3
claims ix_claims_dealer_failure 250000 1000 3
claims ix_claims_dealer_id 250000 1000 1
claims ix_claims_dealer_number 250000 1000 1
claims ix_claims_decided_rules 250000 2 2 2
claims ix_claims_unnoticed 250000 50000 29 26 3 2
claims ix_claims_unnoticed_month 250000 50000 29 26 3 2
claims ix_claims_forwarded 250000 50000 200 2
claims ix_claims_to_forward 250000 50000 17858 73 1 1 1 1 1 1
claims ix_claims_samples_pending 250000 41667 35715 35715 143 1 1
claims ix_claims_notice_id 250000 29
claims ix_claims_finance 250000 50000 200 3
claims ix_claims_fault_code_id 250000 14706
claims ix_claims_unit_failure 250000 3 1
claims ix_claims_service_request_id 250000 250000
claims ix_claims_status_submitted 250000 41667 1
claims ix_claims_dealer_status_id 250000 1000 167 1
claims ix_claims_reviewer_id 250000 83334
claims ix_claims_decided_at 250000 2
claims sqlite_autoindex_claims_1 250000 1
units ix_units_model_id 125000 3125
units ix_units_engine_no 125000 1
units ix_units_dealer_id 125000 500
units ix_units_dealer_model 125000 500 13
units ix_units_dealer_shipped 125000 500 2 1
units ix_units_dealer_serial 125000 500 1
units ix_units_dealer_engine 125000 500 1
units ix_units_batch 125000 66
units sqlite_autoindex_units_1 125000 1
"""


def _plan_with_bench_stats(db, statement, parameters) -> str:
    savepoint = db.session.begin_nested()  # the statistics go with it
    run = db.session.connection().exec_driver_sql
    run("ANALYZE sqlite_schema")  # makes sure sqlite_stat1 exists
    run("DELETE FROM sqlite_stat1 WHERE tbl IN ('claims', 'units')")
    for line in BENCH_STATS.strip().splitlines():
        run("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", tuple(line.split(" ", 2)))
    run("ANALYZE sqlite_schema")  # loads them
    plan = " | ".join(row[-1] for row in run(f"EXPLAIN QUERY PLAN {statement}", parameters))
    savepoint.rollback()
    run("ANALYZE sqlite_schema")  # and the test database's own again
    return plan


def test_a_dealers_search_reads_the_matches_not_every_claim(client, login, world, db):
    """Searching by the start of a claim number or serial reads the claims whose number
    matches (ix_claims_dealer_number) and those of the matching units, not all the dealer's
    claims newest first: on the bench data set that walk took 2 ms, the search 0.07 ms."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the query plan asked for is SQLite's")
    shop = factories.workshop(world.dealer_a)
    claim = factories.make_claim(shop.unit)
    db.session.commit()
    login(world.users[Role.DEALER_STAFF])
    statement, parameters = _walk(_list_sql(db, client, f"/claims/?q={claim.number[:6]}"))
    plan = _plan_with_bench_stats(db, statement, parameters)
    assert "ix_claims_dealer_number (dealer_id=? AND number>? AND number<?)" in plan, plan
    assert "ix_claims_unit_failure (unit_id=?)" in plan, plan
    assert "SCAN claims" not in plan, plan


def test_a_dealers_unit_search_reads_ranges_of_its_own_units_not_all_of_them(
        client, login, world, db):
    """The start of a serial or engine number, searched by a dealer, is a range of the
    (dealer, serial) and (dealer, engine number) indexes: on the bench data set the walk of all
    the largest dealer's units took 10 ms, the ranges 0.15 ms."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the query plan asked for is SQLite's")
    unit = factories.make_unit("SBSCOPE0001", dealer=world.dealer_a)
    db.session.commit()
    login(world.users[Role.DEALER_STAFF])
    seen = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "FROM units" in statement and "LIMIT" in statement:
            seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", keep)
    try:
        body = client.get(f"/units/?q={unit.serial[:6]}", headers={"HX-Request": "true"})
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", keep)
    assert unit.serial in body.get_data(as_text=True)
    plan = _plan_with_bench_stats(db, *seen[0])
    assert "ix_units_dealer_serial (dealer_id=? AND serial>? AND serial<?)" in plan, plan
    assert "ix_units_dealer_engine (dealer_id=? AND engine_no>? AND engine_no<?)" in plan, plan


def test_a_reps_list_pages_run_as_many_queries_however_many_dealers(client, login, world, db):
    rep = world.users[Role.SALES_REP]
    shop = factories.workshop(world.dealer_a)
    factories.make_claim(shop.unit, status="submitted")
    db.session.commit()
    login(rep)
    urls = ["/claims/", "/units/", "/dealers/", "/service/", "/home/rep"]

    def queries(url):
        with QueryCounter(db.engine) as counter:
            assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
        return counter.count

    queries("/home/rep")  # the first request of a session warms up
    few = {url: queries(url) for url in urls}
    for _ in range(8):
        factories.make_dealer(sales_rep=rep)
    db.session.commit()
    assert {url: queries(url) for url in urls} == few


def test_a_reps_claims_pages_walk_its_claims_once_newest_first(client, login, world, db):
    """The pages hold exactly the rep's claims, newest first, each once, and no other dealer's
    (on either database's form of the rep's scope)."""
    from tests.helpers import walk_pages

    rep = world.users[Role.SALES_REP]
    second = factories.make_dealer(sales_rep=rep)
    mine = [factories.make_claim(factories.workshop(dealer).unit, status="submitted")
            for dealer in (world.dealer_a, second) for _ in range(3)]
    for _ in range(30):  # more of them, then newer claims of a dealer the rep does not see
        mine.append(factories.make_claim(factories.workshop(world.dealer_a).unit,
                                         status="submitted"))
    others = [factories.make_claim(factories.workshop(world.dealer_b).unit, status="submitted")
              for _ in range(5)]
    db.session.commit()
    login(rep)
    seen = walk_pages(client, "/claims/?status=review", r"[A-Z0-9-]+")
    assert seen == [c.number for c in sorted(mine, key=lambda c: c.id, reverse=True)]
    assert not {c.number for c in others} & set(seen)


# The statistics of the bench data set at scale 1.0 for the service register (200,000 entries,
# 1,355 of them open work).
SERVICE_STATS = """
service_requests ix_service_requests_status_check 200000 40000 2
service_requests ix_service_requests_status_arrange 200000 40000 2
service_requests ix_service_requests_received_at 200000 2
service_requests ix_service_requests_received_by_dealer 200000 200 1
service_requests ix_service_requests_dealer_received 200000 200 1
service_requests ix_service_requests_assigned_user_id 200000 200000
service_requests ix_service_requests_unit_id 200000 2
service_requests ix_service_requests_customer_name 200000 6
service_requests ix_service_requests_phone_digits 200000 1
service_requests sqlite_autoindex_service_requests_1 200000 1
service_requests ix_service_requests_open_dealer 1355 3 2
service_requests ix_service_requests_open_received_by 1355 3 3
"""


def _service_plan(db, stmt) -> str:
    """SQLite's plan for ``stmt`` (as the engine sends it) under SERVICE_STATS."""
    seen = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", keep)
    try:
        db.session.execute(stmt).all()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", keep)
    statement, parameters = seen[-1]
    savepoint = db.session.begin_nested()
    run = db.session.connection().exec_driver_sql
    run("ANALYZE sqlite_schema")
    run("DELETE FROM sqlite_stat1 WHERE tbl = 'service_requests'")
    for line in SERVICE_STATS.strip().splitlines():
        run("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", tuple(line.split(" ", 2)))
    run("ANALYZE sqlite_schema")
    plan = " | ".join(row[-1] for row in run(f"EXPLAIN QUERY PLAN {statement}", parameters))
    savepoint.rollback()
    run("ANALYZE sqlite_schema")
    return plan


def test_overdue_service_requests_use_the_deadline_indexes_or_the_dealers_open_work(world, db):
    """Head office's overdue entries are read through the two deadline indexes (not every open
    entry); a dealer's through the partial indexes of its open work (not all it ever had)."""
    from portal.core.db import utcnow
    from portal.service import queues

    if db.engine.dialect.name != "sqlite":
        pytest.skip("the query plan asked for is SQLite's")
    factories.make_service_request(world.dealer_a)
    now = utcnow()
    head_office = _service_plan(db, queues.OVERDUE.ordered(world.users[Role.ADMIN], now)
                                .limit(10))
    arrange = "ix_service_requests_status_arrange (status=? AND arrange_due_at<?)"
    assert "MULTI-INDEX OR" in head_office and arrange in head_office, head_office
    dealer = _service_plan(db, queues.OVERDUE_HERE.ordered(world.users[Role.DEALER_STAFF], now)
                           .limit(10))
    assert "ix_service_requests_open_dealer (dealer_id=? AND status=?)" in dealer, dealer
    assert "ix_service_requests_open_received_by" in dealer, dealer
