"""Generate the benchmark's production-scale data set into an empty SQLite or PostgreSQL database.

    python -m benchmarks.generate --database-url URL [--scale 1.0] [--seed 1] [--force]
        [--plant-batch STRENGTH]

At scale 1.0: 1,000 dealers, 500,000 units (most sold, with their warranty cards), 1,000,000
claims over three years in every status and finance stage with ~2.5 lines each, their owed old
parts, return shipments, receipts, verdicts and stores, monthly write-off notices with their
claims and the offsets of the confirmed ones, the dealers' receivable ledgers, return visits and
~200,000 service register entries. The users the load harness signs in as (password
``Bench-Portal-2026``): bench_admin, bench_clerk, bench_tech, bench_finance, bench_rep (the rep
of BD0001..BD0020) and bench_dealer (dealer admin of BD0001, the largest dealer, with open work
today). Besides the dealers of the scale, two made on purpose for the benchmark's subjects
(benchmarks/subjects.py): one whose records are all more than two years old and a new one with
none, both under a rep of their own.

The schema comes from the real migrations (``flask db upgrade`` through the app factory). Rows
are made by benchmarks/gen_rows.py with one seeded random generator and loaded by the fastest
honest path of each database: COPY on PostgreSQL, executemany in one transaction with the
journal off on SQLite; secondary indexes and (PostgreSQL) foreign keys are dropped during the
load and recreated from their own DDL afterwards, so the schema is exactly the migrated one.
Values go through each column's SQLAlchemy bind processing, so they are stored as the portal
stores them. Then ANALYZE.

No production batch is planted bad: a claim falls on a dealer's sold unit at random, more often
in the unit's first weeks (running-in, ``gen_rows.Rows._failures``), and its parts are drawn at
random among those the model has. The log says how many alerts the nightly early-warning check
raised on it ("early warning: N alerts from M pairs").
"""

import argparse
import sqlite3
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from benchmarks.gen_rows import BENCH_DEALER, PASSWORD, Rows

CHUNK = 20_000


def log(message: str) -> None:
    print(message, flush=True)


# ---------------------------------------------------------------------------------- the app


def make_app(url: str):
    from portal import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "WARNING"})


def normalise(url: str) -> str:
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def prepare_empty(url: str, force: bool) -> None:
    """Refuse a database that holds tables, unless ``force``: then start it afresh."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if not parsed.database or parsed.database == ":memory:":
            raise SystemExit("give a SQLite file: sqlite:////path/to/bench.sqlite3")
        if path.exists() and path.stat().st_size > 0:
            with sqlite3.connect(path) as conn:
                tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'")
                has_tables = tables.fetchone()[0] > 0
            if has_tables and not force:
                raise SystemExit(f"{path} is not empty; pass --force to delete and recreate it")
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            count = conn.scalar(sa.text(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"))
            if count and not force:
                raise SystemExit("the database is not empty; pass --force to drop and recreate "
                                 "its public schema")
            if count:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def migrate(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))


def password_hash(app) -> str:
    """The portal's own hashing, once; every bench user shares the hash."""
    from portal.accounts.models import User

    with app.app_context():
        user = User()
        user.set_password(PASSWORD)
        return user.password_hash


# ---------------------------------------------------------------------------------- loading


class Loader:
    """Receives rows table by table (``columns`` then ``add``) and writes them in chunks,
    filling the columns the generator leaves out with their model defaults."""

    def __init__(self, metadata: sa.MetaData, dialect, now: datetime):
        self.metadata, self.dialect, self.now = metadata, dialect, now
        self.plans: dict[str, tuple] = {}
        self.buffers: dict[str, list] = {}
        self.rows: dict[str, int] = {}
        self.seconds: dict[str, float] = {}

    def columns(self, table_name: str, names: list[str]) -> None:
        table = self.metadata.tables[table_name]
        unknown = set(names) - set(table.c.keys())
        if unknown:
            raise KeyError(f"{table_name}: no columns {sorted(unknown)}")
        tail_columns = [c for c in table.c if c.name not in names]
        tail = []
        for column in tail_columns:
            default = column.default
            if default is None:
                value = None
            elif default.is_scalar:
                value = default.arg
            elif default.is_callable and getattr(default.arg, "__name__", "") == "utcnow":
                value = self.now
            elif default.is_callable:  # another computed default (a list, a token): say so
                raise ValueError(f"{table_name}.{column.name} needs a value")
            else:
                value = None
            if value is None and not column.nullable and not column.primary_key:
                raise ValueError(f"{table_name}.{column.name} needs a value")
            tail.append(value)
        ordered = [table.c[n] for n in names] + tail_columns
        processors = [c.type._cached_bind_processor(self.dialect) for c in ordered]
        converters = [(i, p) for i, p in enumerate(processors) if p is not None]
        self.plans[table_name] = ([c.name for c in ordered], tuple(tail), converters)
        self.buffers.setdefault(table_name, [])
        self.rows.setdefault(table_name, 0)
        self.seconds.setdefault(table_name, 0.0)

    def add(self, table_name: str, row) -> None:
        buffer = self.buffers[table_name]
        buffer.append(row)
        if len(buffer) >= CHUNK:
            self.flush(table_name)

    def flush(self, table_name: str) -> None:
        buffer = self.buffers[table_name]
        if not buffer:
            return
        started = time.perf_counter()
        names, tail, converters = self.plans[table_name]
        rows = []
        for row in buffer:
            values = list(row)
            values.extend(tail)
            for i, process in converters:
                value = values[i]
                if value is not None:
                    values[i] = process(value)
            rows.append(values)
        self.write(table_name, names, rows)
        self.rows[table_name] += len(buffer)
        buffer.clear()
        self.seconds[table_name] += time.perf_counter() - started

    def flush_all(self) -> None:
        for table_name in list(self.buffers):
            self.flush(table_name)

    def write(self, table_name, names, rows):  # pragma: no cover - per database
        raise NotImplementedError


class SQLiteLoader(Loader):
    def __init__(self, metadata, dialect, now, path: str):
        super().__init__(metadata, dialect, now)
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "locking_mode=EXCLUSIVE",
                       "cache_size=-1000000", "temp_store=MEMORY", "foreign_keys=OFF"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.indexes = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
        for name, _sql in self.indexes:
            self.conn.execute(f'DROP INDEX "{name}"')
        self.conn.execute("BEGIN")
        self.sql = {}

    def write(self, table_name, names, rows):
        sql = self.sql.get(table_name)
        if sql is None:
            sql = self.sql[table_name] = (
                f'INSERT INTO "{table_name}" ({", ".join(names)}) '
                f'VALUES ({", ".join("?" * len(names))})')
        self.conn.executemany(sql, rows)

    def finish(self) -> dict:
        timings = {}
        started = time.perf_counter()
        self.conn.execute("COMMIT")
        timings["commit"] = time.perf_counter() - started
        started = time.perf_counter()
        self.conn.execute("BEGIN")
        for _name, sql in self.indexes:
            self.conn.execute(sql)
        self.conn.execute("COMMIT")
        timings["indexes"] = time.perf_counter() - started
        self.conn.execute("PRAGMA locking_mode=NORMAL")
        self.conn.execute("PRAGMA journal_mode=WAL")  # the portal's mode; releases the lock
        self.conn.close()
        return timings

    def analyze(self) -> None:
        self.conn = sqlite3.connect(self.path, isolation_level=None)
        self.conn.execute("ANALYZE")
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()


class PostgresLoader(Loader):
    def __init__(self, metadata, dialect, now, url: str):
        import psycopg

        super().__init__(metadata, dialect, now)
        conninfo = sa.engine.make_url(url).set(drivername="postgresql").render_as_string(
            hide_password=False)
        self.conn = psycopg.connect(conninfo, autocommit=True)
        self.conn.execute("SET maintenance_work_mem = '512MB'")
        self.conn.execute("SET synchronous_commit = off")
        self.fkeys = self.conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' "
            "AND connamespace = 'public'::regnamespace ORDER BY conname").fetchall()
        self.indexes = self.conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint "
            "WHERE connamespace = 'public'::regnamespace) ORDER BY indexname").fetchall()
        for table, name, _definition in self.fkeys:
            self.conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in self.indexes:
            self.conn.execute(f'DROP INDEX "{name}"')

    def write(self, table_name, names, rows):
        with self.conn.cursor() as cursor, cursor.copy(
                f'COPY "{table_name}" ({", ".join(names)}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)

    def finish(self) -> dict:
        timings = {}
        started = time.perf_counter()
        for _name, definition in self.indexes:
            self.conn.execute(definition)
        timings["indexes"] = time.perf_counter() - started
        started = time.perf_counter()
        for table, name, definition in self.fkeys:
            self.conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        timings["foreign keys"] = time.perf_counter() - started
        for (table,) in self.conn.execute(
                "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
                "AND column_name = 'id'").fetchall():
            sequence = self.conn.execute("SELECT pg_get_serial_sequence(%s, 'id')",
                                         (table,)).fetchone()
            if sequence and sequence[0]:
                self.conn.execute(
                    f"SELECT setval('{sequence[0]}', coalesce((SELECT max(id) FROM \"{table}\"),"
                    f" 0) + 1, false)")
        return timings

    def analyze(self) -> None:
        self.conn.execute("VACUUM ANALYZE")
        self.conn.close()


# ---------------------------------------------------------------------------------- after the load


def finish_with_app(app, planted=None) -> None:
    """Policy as a maker would set it, and the real PDFs of the bench dealer's open notices."""
    from portal.catalog.models import PolicySettings
    from portal.dealers.models import Dealer
    from portal.extensions import db
    from portal.finance import cost_totals
    from portal.finance.documents import render_notice_pdf
    from portal.finance.models import NoticeDocument, NoticeStatus, WriteOffNotice
    from portal.service import visit_tallies

    with app.app_context():
        policy = db.session.get(PolicySettings, 1)
        policy.maker_name = "三宝农业机械股份有限公司"
        policy.maker_address = "山东省济南市高新区工业南路88号"
        policy.maker_phone = "0531-88660000"
        policy.maker_tax_no = "91370100MA3BENCH01"
        policy.auto_approve = True
        policy.auto_max_total = 800
        policy.auto_sample_percent = 20
        cost_totals.rebuild()  # the cost report's totals of the claims loaded as rows
        visit_tallies.rebuild()  # the return-visit rate's tallies, likewise
        dealer = db.session.scalar(sa.select(Dealer).where(Dealer.code == BENCH_DEALER))
        notices = db.session.scalars(
            sa.select(WriteOffNotice).where(WriteOffNotice.dealer_id == dealer.id)
            .order_by(WriteOffNotice.id.desc())).all()
        wanted = [n for n in notices if n.status != NoticeStatus.CONFIRMED]
        wanted += [n for n in notices if n.status == NoticeStatus.CONFIRMED][:3]
        documents = [{"notice_id": n.id, "pdf": render_notice_pdf(n), "rendered_at": n.issued_at}
                     for n in wanted]
        db.session.commit()
        # Rendered as at issue; stored like the rest of the generated rows (the ORM guard
        # refuses any change touching a confirmed notice, which the generator only creates).
        if documents:
            db.session.execute(sa.insert(NoticeDocument.__table__), documents)
        db.session.commit()
        head_office_work(dealer, planted)
        db.engine.dispose()


def head_office_work(dealer, planted=None) -> None:
    """What the portal's own services make on real data: the bench dealer's stocking plan for
    the next season (with its suggestion), a delivery note of parts to it, the nightly batch
    check's alerts and last week's report. Each is timed, as each is real work at this scale."""
    from portal.accounts.models import User
    from portal.catalog.models import Part, Season
    from portal.core.db import utcnow
    from portal.deliveries.services import create_note
    from portal.extensions import db
    from portal.planning.services import open_plan
    from portal.quality import warning
    from portal.reports import weekly

    def user(name):
        return db.session.scalar(sa.select(User).where(User.username == name))

    today = utcnow().date()
    started = time.perf_counter()
    season = db.session.scalars(sa.select(Season).where(
        Season.plan_required.is_(True), Season.start_on > today)
        .order_by(Season.start_on)).first()
    if season is not None:
        open_plan(dealer, season, actor=user("bench_dealer"))
    parts = db.session.scalars(sa.select(Part).where(Part.is_active.is_(True))
                               .order_by(Part.id).limit(8)).all()
    create_note(dealer, today, units=[], parts=[(p, 4, None) for p in parts],
                carrier="德邦物流", actor=user("bench_clerk"))
    db.session.commit()
    log(f"the bench dealer's stocking plan and a delivery note: "
        f"{time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    run = warning.check()
    db.session.commit()
    raised = [(a.part_id, a.batch) for a in warning.raised_by(run)]
    log(f"early warning: {run.alerts_raised} alerts from {run.pairs_checked:,} pairs "
        f"(flask alerts check, false alert rate {float(run.false_alert_rate):.0%}, "
        f"p cut-off {float(run.p_cutoff):.3g}), in {time.perf_counter() - started:.1f} s")
    if planted:
        log(f"  the planted batch {planted[1]} (part id {planted[0]}): "
            f"{'raised' if tuple(planted) in raised else 'NOT raised'}; "
            f"{len(set(raised) - {tuple(planted)})} other alerts")
    started = time.perf_counter()
    weekly.generate(weekly.last_week())
    db.session.commit()
    log(f"weekly report (flask reports weekly): {time.perf_counter() - started:.1f} s")


def database_size(url: str) -> str:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        size = Path(parsed.database).stat().st_size
    else:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            size = conn.scalar(sa.text("SELECT pg_database_size(current_database())"))
        engine.dispose()
    return f"{size / 2**20:,.0f} MiB"


def generate(url: str, scale: float = 1.0, seed: int = 1, force: bool = False,
             today=None, plant: float | None = None) -> dict:
    """Create the schema and load the data set; return the row counts per table. ``plant``:
    one batch's key part failing at that many times its normal early rate (none unless
    asked)."""
    from portal.core.db import shanghai_today
    from portal.extensions import db

    url = normalise(url)
    began = time.perf_counter()
    prepare_empty(url, force)
    app = make_app(url)
    started = time.perf_counter()
    migrate(app)
    log(f"schema: migrations applied in {time.perf_counter() - started:.1f} s")
    hashed = password_hash(app)
    with app.app_context():
        dialect = db.engine.dialect
        db.engine.dispose()
    now = datetime.now(UTC)
    today = today or shanghai_today()
    if dialect.name == "sqlite":
        loader = SQLiteLoader(db.metadata, dialect, now, sa.engine.make_url(url).database)
    else:
        loader = PostgresLoader(db.metadata, dialect, now, url)
    started = time.perf_counter()
    rows = Rows(scale, seed, today, hashed, plant)
    rows.emit(loader)
    loader.flush_all()
    generated = time.perf_counter() - started
    for table_name in loader.plans:
        log(f"  {table_name:<24} {loader.rows[table_name]:>10,} rows  "
            f"{loader.seconds[table_name]:7.1f} s writing")
    log(f"rows: generated and written in {generated:.1f} s "
        f"({sum(loader.rows.values()):,} rows)")
    for step, seconds in loader.finish().items():
        log(f"{step}: {seconds:.1f} s")
    started = time.perf_counter()
    if rows.planted:
        log(f"planted: batch {rows.planted[1]}, part id {rows.planted[0]}, at {plant:g} times "
            f"its normal failure rate in the units' first three months")
    finish_with_app(app, rows.planted)
    log(f"policy and the bench dealer's notice PDFs: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    loader.analyze()
    log(f"analyze: {time.perf_counter() - started:.1f} s")
    log(f"total: {time.perf_counter() - began:.1f} s, database size {database_size(url)}")
    return dict(loader.rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True,
                        help="sqlite:////tmp/bench.sqlite3 or postgresql://user@host:port/db")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="1.0 = 1,000 dealers, 500,000 units, 1,000,000 claims")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plant-batch", type=float, metavar="STRENGTH",
                        help="plant one bad batch: its differential housings fail at STRENGTH "
                             "times the normal rate in their first three months (none unless "
                             "asked)")
    parser.add_argument("--force", action="store_true",
                        help="delete the SQLite file / drop the PostgreSQL public schema first")
    args = parser.parse_args(argv)
    generate(args.database_url, args.scale, args.seed, args.force, plant=args.plant_batch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
