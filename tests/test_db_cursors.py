"""The PostgreSQL connection's cursors (portal.core.db): their description made when read."""

import psycopg
import pytest
import sqlalchemy as sa

from portal.core.db import DescribingCursor
from tests import factories


@pytest.fixture
def pg(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("psycopg's cursors: PostgreSQL only")
    return db.session.connection().connection.driver_connection


def test_a_cursor_describes_its_result_as_psycopg_does(pg):
    cursor = pg.cursor()
    assert isinstance(cursor, DescribingCursor)
    cursor.execute("SELECT 1 AS one, 'a'::text AS two, now() AS three")
    lazy = cursor.description
    own = psycopg.Cursor.description.__get__(cursor)
    assert len(lazy) == 3
    assert [tuple(c) for c in lazy] == [tuple(c) for c in own]
    assert [c.name for c in lazy] == ["one", "two", "three"]
    assert lazy[-1].type_code == own[-1].type_code and [c.name for c in lazy[1:]] == ["two",
                                                                                       "three"]


def test_a_statement_without_rows_has_no_description(pg):
    cursor = pg.cursor()
    assert cursor.description is None
    cursor.execute("SET LOCAL statement_timeout = 0")
    assert cursor.description is None


def test_a_description_read_after_the_next_statement_is_refused_not_wrong(pg):
    cursor = pg.cursor()
    cursor.execute("SELECT 1 AS one")
    first = cursor.description
    cursor.execute("SELECT 2 AS other, 3 AS more")
    with pytest.raises(psycopg.InterfaceError):
        first[0]
    assert [c.name for c in cursor.description] == ["other", "more"]


def test_sqlalchemy_reads_rows_by_name_through_it(pg, db):
    """A statement seen for the first time (its columns read from the description) and one run
    again (its columns known): both give rows keyed by the right names."""
    dealer = factories.make_dealer()
    db.session.flush()
    for _ in range(2):
        row = db.session.execute(sa.text("SELECT code AS c, name AS n FROM dealers WHERE id = :i"),
                                 {"i": dealer.id}).one()
        assert (row.c, row.n) == (dealer.code, dealer.name)
        assert db.session.get(type(dealer), dealer.id).code == dealer.code
