"""Document numbers (portal/core/numbering.py): formats, the yearly counters, typed numbers,
the migration that started the counters, and writers racing from two real connections."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session

from portal import create_app
from portal.accounts.roles import Role
from portal.claims.models import Decision, FinanceStage, LineKind
from portal.core import numbering
from portal.core.db import SHANGHAI, begin_writing, utcnow
from portal.core.numbering import SCHEMES, DocumentCounter, next_number, note_typed
from portal.extensions import db
from tests import factories

JUNE = datetime(2031, 6, 1, 4, 0, tzinfo=UTC)


def test_every_kind_keeps_its_format():
    formats = {kind: scheme.format(2026, 7) for kind, scheme in SCHEMES.items()}
    assert formats == {
        "claim": "WX20260000007", "service_request": "FW2026000007",
        "return_shipment": "HY2026000007", "notice": "HX-2026-0007",
        "delivery_note": "FH-2026-00007", "complaint": "TS202600007",
        "stock_return": "FC-2026-0007", "sanbao_case": "HT-2026-0007"}
    assert all(s.parse(s.format(2026, 123)) == (2026, 123) for s in SCHEMES.values())
    assert SCHEMES["delivery_note"].parse("纸质单-7") is None
    assert numbering.plan_reference(7, "D0001") == "CB007-D0001"


def test_numbers_follow_each_other_within_a_year_and_restart_each_year(db):
    assert next_number("complaint", JUNE) == (1, "TS203100001")
    assert next_number("complaint", JUNE) == (2, "TS203100002")
    assert next_number("stock_return", JUNE) == (1, "FC-2031-0001")  # each kind its own
    assert next_number("complaint", JUNE.replace(year=2032)) == (1, "TS203200001")
    assert next_number("complaint", JUNE).text == "TS203100003"
    assert db.session.get(DocumentCounter, ("complaint", 2031)).last == 3


def test_the_year_is_the_shanghai_year():
    eve = datetime(2031, 12, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 January 2032 in Shanghai
    assert next_number("notice", eve).text == "HX-2032-0001"
    assert next_number("notice", eve - timedelta(hours=1)).text == "HX-2031-0001"


def test_a_rolled_back_number_is_taken_again_so_there_is_no_gap(db):
    next_number("notice", JUNE)
    savepoint = db.session.begin_nested()
    assert next_number("notice", JUNE).seq == 2
    savepoint.rollback()
    assert next_number("notice", JUNE).seq == 2


def test_a_year_starts_after_the_highest_number_already_stored(world):
    factories.make_service_request(number="FW2031000041")
    factories.make_service_request(number="FW2030000099")  # another year: not counted
    assert next_number("service_request", JUNE).text == "FW2031000042"


def test_a_typed_number_in_the_scheme_moves_the_counter_past_it(db):
    next_number("delivery_note", JUNE)
    note_typed("delivery_note", "FH-2031-00041")
    note_typed("delivery_note", "FH-2031-00007")  # lower: the counter stays
    note_typed("delivery_note", "纸质单-7")          # not in the scheme: ignored
    assert next_number("delivery_note", JUNE).text == "FH-2031-00042"


# -- the migration that started the counters ---------------------------------------------------

def _fill(raw, columns, table: str, **values) -> None:
    """A row with ``values`` and a dummy for every other required column."""
    dummies = {sa.Integer: 1, sa.String: "x", sa.Text: "x", sa.Date: "2026-01-01",
               sa.DateTime: "2026-01-01 00:00:00", sa.Boolean: False, sa.Numeric: 0,
               sa.JSON: "{}"}
    row = dict(values)
    for column in columns(table):
        if column["nullable"] or column["name"] in row or column["name"] == "id":
            continue
        row[column["name"]] = next((v for t, v in dummies.items()
                                    if isinstance(column["type"], t)), "x")
    raw.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()))


def test_the_migration_starts_each_counter_at_the_highest_stored_number(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    app = create_app({"PORTAL_ENV": "testing", "SECRET_KEY": "x" * 40,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}"})
    with app.app_context():
        upgrade(revision="b7a4689403b6")
        columns = sa.inspect(db.engine).get_columns
        raw = db.engine.raw_connection()  # autocommit, so foreign keys can be turned off
        raw.execute("PRAGMA foreign_keys=OFF")
        for number in ("WX20250000900", "WX20260000012", "WX20260001003", "WX-T-1"):
            _fill(raw, columns, "claims", number=number)
        _fill(raw, columns, "write_off_notices", number="HX-2026-0004", year=2026, seq=4)
        raw.execute("INSERT INTO notice_counters VALUES (2026, 5), (2024, 2)")
        for number in ("FH-2026-00041", "纸质单-7"):
            _fill(raw, columns, "delivery_notes", number=number)
        raw.close()
        upgrade()
        with db.engine.connect() as conn:
            rows = set(conn.execute(sa.text("SELECT kind, year, last FROM document_counters")))
            tables = sa.inspect(conn).get_table_names()
        db.engine.dispose()
    assert rows == {("claim", 2025, 900), ("claim", 2026, 1003), ("notice", 2026, 5),
                    ("notice", 2024, 2), ("delivery_note", 2026, 41)}
    assert "notice_counters" not in tables


# -- two writers at the same moment, on their own connections, committing -----------------------

class EngineSession(Session):
    def get_bind(self, *args, **kwargs):
        return self.bind


def _snapshot(conn) -> dict:
    """Per table: the highest id, or (tables without one) every row."""
    return {t: (conn.scalar(sa.select(sa.func.max(t.c.id))) or 0) if "id" in t.c
            else [dict(r) for r in conn.execute(sa.select(t)).mappings()]
            for t in db.metadata.sorted_tables}


def _restore(conn, before: dict) -> None:
    """Delete every row made since ``before`` and put back the tables without an id."""
    for table in reversed(db.metadata.sorted_tables):
        kept = before[table]
        conn.execute(sa.delete(table).where(table.c.id > kept) if "id" in table.c
                     else sa.delete(table))
    for table in db.metadata.sorted_tables:
        if "id" not in table.c and before[table]:
            conn.execute(sa.insert(table), before[table])


@pytest.fixture
def committing(app, monkeypatch):
    """``db.session`` on its own engine, one session per thread, committing for real; what the
    test commits is deleted afterwards (the suite's database is shared by every test)."""
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=4)
    with engine.connect() as conn:
        before = _snapshot(conn)
    monkeypatch.setattr(db, "session", db._make_scoped_session(
        {"bind": engine, "class_": EngineSession}))
    yield
    db.session.remove()
    with engine.begin() as conn:
        _restore(conn, before)
    engine.dispose()


def _race(app, work):
    """Run ``work(i)`` for i = 0 and 1 at the same moment, each in its own session and writing
    transaction; commit each; return both results or raised errors."""
    barrier = threading.Barrier(2)

    def one(i):
        with app.app_context():
            try:
                barrier.wait()
                begin_writing(db.session())
                result = work(i)
                db.session.commit()
                return result
            except Exception as error:
                db.session.rollback()
                return error
            finally:
                db.session.remove()

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(one, range(2)))


def _setting():
    """Committed: two dealers and their users, a sold unit, unsold stock, owed parts and a
    claim finance approved for each dealer."""
    world = factories.world()
    shop = factories.workshop(world.dealer_a)
    stock = [factories.make_unit(dealer=world.dealer_a) for _ in range(2)]
    owed = factories.make_owed_parts(world.dealer_a, count=2, shop=shop)
    for dealer in (world.dealer_a, world.dealer_b):
        claim = factories.make_claim(factories.make_unit(dealer=dealer), status="approved", lines=[
            {"kind": LineKind.OTHER, "amount": Decimal("80.00"), "decision": Decision.APPROVED,
             "approved_amount": Decimal("80.00"), "finance_amount": Decimal("80.00")}])
        claim.finance_stage, claim.finance_on = FinanceStage.APPROVED, date(2026, 10, 15)
        claim.total_finance = Decimal("80.00")
    db.session.commit()
    return {"users": {r: u.id for r, u in world.users.items()}, "dealers": [
        world.dealer_a.id, world.dealer_b.id], "unit": shop.unit.id, "fault": shop.fault.id,
        "stock": [u.id for u in stock], "owed": [o.id for o in owed],
        "part": shop.wear_part.id, "owed_staff": owed[0].claim.created_by_id}


def _makers(ids):
    """kind → work(i) creating one document of that kind with the real service."""
    from portal.accounts.models import User
    from portal.catalog.models import Part
    from portal.claims.services import create_claim
    from portal.dealers.models import Dealer
    from portal.deliveries.services import create_note
    from portal.finance.notices import issue_notice
    from portal.returns.shipments import create_shipment
    from portal.service.complaints import register_complaint
    from portal.service.services import register
    from portal.stock.models import StockReturnReason
    from portal.stock.services import request_return
    from portal.units.models import Unit

    def user(role):
        return db.session.get(User, ids["users"][role])

    now = utcnow()
    today = now.astimezone(SHANGHAI).date()
    call = {"channel": "phone", "received_at": now - timedelta(minutes=5),
            "customer_name": "赵六", "customer_phone": "13800000000", "description": "无法启动"}
    return {
        "claim": lambda i: create_claim(db.session.get(Unit, ids["unit"]), {
            "failure_date": today - timedelta(days=3), "fault_code_id": ids["fault"],
            "description": "漏油"}, actor=user(Role.DEALER_STAFF), today=today).number,
        "service_request": lambda i: register(
            {**call, "location": "", "urgency": "normal"}, actor=user(Role.CLERK), now=now).number,
        "complaint": lambda i: register_complaint(
            {**call, "dealer_code": "", "unit_serial": "", "claim_number": ""},
            actor=user(Role.CLERK), now=now).number,
        "stock_return": lambda i: request_return(
            db.session.get(Unit, ids["stock"][i]), StockReturnReason.DEFECTIVE, "外壳开裂",
            actor=user(Role.DEALER_STAFF), now=now).number,
        "delivery_note": lambda i: create_note(
            db.session.get(Dealer, ids["dealers"][0]), today, units=[],
            parts=[(db.session.get(Part, ids["part"]), 2, None)], actor=user(Role.CLERK),
            now=now).number,
        "return_shipment": lambda i: create_shipment(
            db.session.get(Dealer, ids["dealers"][0]), [ids["owed"][i]], method="in_person",
            shipped_on=today, actor=db.session.get(User, ids["owed_staff"]),
            today=today).number,
        "notice": lambda i: issue_notice(
            ids["dealers"][i], date(2026, 10, 1), date(2026, 10, 31),
            actor=user(Role.FINANCE), now=now, with_pdf=False).number,
    }


def test_two_writers_at_once_both_get_a_number_and_never_the_same(app, committing):
    """Every kind, two services at the same moment from two connections: the second waits
    for the first's counter (a row lock on PostgreSQL, the write lock on SQLite) and both
    succeed; a notice's numbers follow each other with no gap."""
    with app.app_context():
        ids = _setting()
        db.session.remove()
    made = {kind: _race(app, work) for kind, work in _makers(ids).items()}
    for kind, numbers in made.items():
        assert all(isinstance(n, str) for n in numbers), (kind, numbers)
        assert numbers[0] != numbers[1], kind
        assert all(SCHEMES[kind].parse(n) for n in numbers), (kind, numbers)
    seqs = sorted(SCHEMES["notice"].parse(n)[1] for n in made["notice"])
    assert seqs[1] == seqs[0] + 1
