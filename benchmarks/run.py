"""Measure the portal on one database: every role's main pages against a bare Flask route,
served alike by gunicorn and driven by wrk on loopback; then the notice PDFs and a notice run.

    python -m benchmarks.run --database-url URL [--duration 5] [--output FILE]

The database must hold the generator's data set (``python -m benchmarks.generate``): the bench
users and dealer BD0001. Prints one Markdown section (benchmarks/report.py) and writes it to
``--output``. ``bash scripts/benchmark.sh`` runs it for SQLite and PostgreSQL.
"""

import argparse
import os
import platform
import secrets
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from benchmarks import documents, load
from benchmarks.pages import PAGES, PASSWORD, USERS, page_path, samples
from benchmarks.report import PageResult, Reference, section

TABLES = ("dealers", "users", "units", "warranty_cards", "service_requests", "claims",
          "claim_lines", "owed_parts", "write_off_notices", "ledger_entries", "audit_entries")


def parse_args(argv=None):
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--label", help="The section's title (default: the database kind).")
    parser.add_argument("--duration", type=float, default=5, help="Seconds measured per page.")
    parser.add_argument("--warmup", type=float, default=1, help="Seconds before measuring.")
    # One sync worker per core: CPU-bound pages gain nothing from more, and the targets are
    # stated for as many workers as cores.
    parser.add_argument("--workers", type=int, default=cores,
                        help="gunicorn sync workers (default: one per core).")
    parser.add_argument("--connections", type=int,
                        help="wrk connections (default: one per worker).")
    parser.add_argument("--batch-dealers", type=int, default=40,
                        help="Stop the timed notice run after this many dealers.")
    parser.add_argument("--only", default="", help="Measure only pages whose name contains this.")
    parser.add_argument("--log-level", default="INFO", help="The portal's LOG_LEVEL.")
    parser.add_argument("--work-dir", default="/tmp/sanbao-bench",
                        help="Where the servers' logs go.")
    parser.add_argument("--output", help="Also write the Markdown section to this file.")
    parser.add_argument("--skip-documents", action="store_true",
                        help="Measure the pages only, not the notice PDFs and run.")
    return parser.parse_args(argv)


def production_env(args) -> dict:
    """How the servers (and this process) run the portal: production mode, real JSON logs."""
    return {"PORTAL_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": args.database_url, "LOG_LEVEL": args.log_level.upper()}


def database_facts(app) -> dict:
    from portal.extensions import db

    with app.app_context():
        engine = db.engine
        counts = {t: db.session.scalar(sa.text(f"SELECT count(*) FROM {t}")) for t in TABLES}
        if engine.dialect.name == "sqlite":
            path = Path(engine.url.database)
            size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*")
                       if not p.name.endswith(".scratch"))
            version = "SQLite " + db.session.scalar(sa.text("SELECT sqlite_version()"))
        else:
            size = db.session.scalar(sa.text("SELECT pg_database_size(current_database())"))
            version = db.session.scalar(sa.text("SHOW server_version"))
            version = f"PostgreSQL {version}"
        values = samples()
        db.session.remove()
        engine.dispose()
    rows = ", ".join(f"{t} {n:,}" for t, n in counts.items())
    return {"database": f"{version}, {size / 2**20:.0f} MiB", "rows": rows}, values


def machine_facts(args, connections: int) -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text()
                .splitlines() if line.startswith("model name")), platform.processor())
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    return {"machine": f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}",
            "load": f"gunicorn {args.workers} sync workers; {wrk.split('[')[0].strip()}, "
                    f"1 thread, {connections} connections, {args.warmup:g} s warm-up then "
                    f"{args.duration:g} s per page, on loopback",
            "portal": f"PORTAL_ENV=production, LOG_LEVEL={args.log_level.upper()} "
                      "(JSON lines to a file)"}


def measure_url(base: str, path: str, args, connections, cookie="", htmx=False):
    load.run_wrk(base + path, seconds=args.warmup, connections=connections, cookie=cookie,
                 htmx=htmx)
    return load.run_wrk(base + path, seconds=args.duration, connections=connections,
                        cookie=cookie, htmx=htmx)


def check_answer(answer: load.Answer, htmx: bool) -> str:
    """Why this answer is not the page it should be, or "" when it is."""
    if answer.status != 200:
        where = answer.headers.get("Location", "")
        return f"answered {answer.status}" + (f" → {where}" if where else "")
    body = answer.body.lower()
    if htmx and b"<html" in body:
        return "htmx request answered a whole page, not the fragment"
    if not htmx and (b"<html" not in body or b'name="password"' in body):
        return "not a whole page, or the sign-in form"
    if len(body) < 200:
        return f"only {len(body)} bytes"
    return ""


def measure_pages(app, base: str, values: dict, args, connections: int) -> list[PageResult]:
    cookies, results = {}, []
    for page in PAGES:
        if args.only not in page.name:
            continue
        result = PageResult(page.name, page.role, "")
        results.append(result)
        try:
            result.path = page_path(app, page, values)
        except KeyError as error:
            result.error = error.args[0]
            continue
        if page.role not in cookies:
            cookies[page.role] = load.sign_in(base, USERS[page.role], PASSWORD)
        try:
            answer = load.fetch(base, result.path, cookie=cookies[page.role], htmx=page.htmx)
        except TimeoutError:
            result.error = "no answer within 30 s"
        else:
            result.error, result.bytes = check_answer(answer, page.htmx), len(answer.body)
        if not result.error:
            result.measure = measure_url(base, result.path, args, connections,
                                         cookies[page.role], page.htmx)
        print(f"  {page.role:9} {result.path:50} " + (result.error or (
            f"{result.measure.rps:7.0f}/s p50 {result.measure.p50_ms:6.1f} "
            f"p99 {result.measure.p99_ms:6.1f} ms")), file=sys.stderr, flush=True)
    return results


def measure_floor(base: str, args, connections: int) -> list[Reference]:
    """The portal's own floor (``benchmarks/floor.py``): its plain text route, not signed in,
    and its empty page in the base layout, signed in as the bench dealer."""
    text = measure_url(base, "/_bench/text", args, connections)
    cookie = load.sign_in(base, USERS["dealer"], PASSWORD)
    trouble = check_answer(load.fetch(base, "/_bench/empty", cookie=cookie), htmx=False)
    if trouble:
        raise RuntimeError(f"the portal's empty page {trouble}")
    empty = measure_url(base, "/_bench/empty", args, connections, cookie)
    for path, m in (("/_bench/text", text), ("/_bench/empty", empty)):
        print(f"  {path:50} {m.rps:7.0f}/s p50 {m.p50_ms:6.1f} p99 {m.p99_ms:6.1f} ms",
              file=sys.stderr, flush=True)
    return [Reference("portal, not signed in: plain text `/_bench/text`", "—", text),
            Reference("portal, signed in: empty page in the base layout `/_bench/empty`",
                      "dealer", empty)]


def main(argv=None) -> int:
    args = parse_args(argv)
    connections = args.connections or args.workers
    env = production_env(args)
    os.environ.update(env)
    from portal import create_app

    kind = sa.engine.make_url(args.database_url).get_backend_name()
    label = args.label or {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(kind, kind)
    work = Path(args.work_dir)
    app = create_app()
    facts, values = database_facts(app)
    facts = {**machine_facts(args, connections), **facts}
    started = time.monotonic()
    print(f"== {label}: bare Flask route", file=sys.stderr, flush=True)
    with load.gunicorn("benchmarks.hello:app", workers=args.workers, env=env,
                       log_path=work / "hello.log", ready_path="/hello") as base:
        hello = measure_url(base, "/hello", args, connections)
    print(f"  hello {hello.rps:.0f}/s p99 {hello.p99_ms:.1f} ms", file=sys.stderr, flush=True)
    print(f"== {label}: the portal's floor", file=sys.stderr, flush=True)
    with load.gunicorn("benchmarks.floor:serve()", workers=args.workers, env=env,
                       log_path=work / f"floor-{kind}.log", ready_path="/_bench/text") as base:
        floor = measure_floor(base, args, connections)
    print(f"== {label}: portal pages", file=sys.stderr, flush=True)
    with load.gunicorn("wsgi:app", workers=args.workers, env=env,
                       log_path=work / f"portal-{kind}.log", ready_path="/healthz") as base:
        pages = measure_pages(app, base, values, args, connections)
    notices, batch = [], documents.BatchTiming(note="not measured (--skip-documents)")
    if not args.skip_documents:
        print(f"== {label}: notices", file=sys.stderr, flush=True)
        with documents.scratch_copy(args.database_url) as scratch:
            os.environ["DATABASE_URL"] = scratch
            scratch_app = create_app()
            notices, batch = documents.measure(scratch_app, USERS["finance"],
                                               args.batch_dealers)
    facts["took"] = f"{time.monotonic() - started:.0f} s"
    text = section(label, facts, hello, pages, notices, batch, floor)
    if args.output:
        Path(args.output).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
