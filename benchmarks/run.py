"""Measure the portal on one database: every role's main pages as each of the role's subjects
(benchmarks/subjects.py) at each data size, against a bare Flask route, served alike by
gunicorn and driven by wrk on loopback; then, at the largest size, each page's worst subject
with more connections than workers, the notice PDFs and a notice run.

    python -m benchmarks.run --database-url URL [--database-url URL2 --scales "0.25 1.0"]
                             [--duration 3] [--output FILE]

Each database must hold the generator's data set (``python -m benchmarks.generate``), the
smallest first. Prints one Markdown section (benchmarks/report.py) and writes it to
``--output``. ``bash scripts/benchmark.sh`` runs it for SQLite and PostgreSQL.
"""

import argparse
import os
import platform
import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from benchmarks import documents, load, subjects
from benchmarks.pages import PAGES, PASSWORD, USERS, measured, page_path, samples
from benchmarks.report import PageResult, Reference, SizeRun, by_page, section, target_rps, worst

TABLES = ("dealers", "users", "units", "warranty_cards", "service_requests", "claims",
          "claim_lines", "owed_parts", "write_off_notices", "ledger_entries", "audit_entries")


def parse_args(argv=None):
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, action="append",
                        help="A data set; give one per size, the smallest first.")
    parser.add_argument("--scales", default="",
                        help="The data sets' scales, for the report: \"0.25 1.0\".")
    parser.add_argument("--label", help="The section's title (default: the database kind).")
    parser.add_argument("--duration", type=float, default=3, help="Seconds measured per page.")
    parser.add_argument("--warmup", type=float, default=1, help="Seconds before measuring.")
    # One sync worker per core: CPU-bound pages gain nothing from more, and the targets are
    # stated for as many workers as cores.
    parser.add_argument("--workers", type=int, default=cores,
                        help="gunicorn sync workers (default: one per core).")
    parser.add_argument("--connections", type=int,
                        help="wrk connections (default: one per worker).")
    parser.add_argument("--queue-connections", type=int, default=8,
                        help="wrk connections for the queueing measurement at the largest size "
                             "(more than workers; 0 to skip it).")
    parser.add_argument("--batch-dealers", type=int, default=40,
                        help="Stop the timed notice run after this many dealers.")
    parser.add_argument("--only", default="", help="Measure only pages whose name contains this.")
    parser.add_argument("--log-level", default="INFO", help="The portal's LOG_LEVEL.")
    parser.add_argument("--work-dir", default="/tmp/sanbao-bench",
                        help="Where the servers' logs go.")
    parser.add_argument("--output", help="Also write the Markdown section to this file.")
    parser.add_argument("--skip-documents", action="store_true",
                        help="Measure the pages only, not the notice PDFs and run.")
    args = parser.parse_args(argv)
    args.scales = args.scales.split() or [""] * len(args.database_url)
    if len(args.scales) != len(args.database_url):
        parser.error("--scales needs one scale per --database-url")
    return args


def production_env(args, url: str) -> dict:
    """How the servers (and this process) run the portal: production mode, real JSON logs."""
    return {"PORTAL_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": url, "LOG_LEVEL": args.log_level.upper()}


def database_facts(app, now: datetime) -> tuple[dict, list]:
    """The database's version, size and row counts; the subjects with their samples."""
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
        found = [(s, samples(s.dealer_id)) for s in subjects.find(now, USERS)]
        db.session.remove()
        engine.dispose()
    rows = ", ".join(f"{t} {n:,}" for t, n in counts.items())
    return {"database": f"{version}, {size / 2**20:.0f} MiB", "rows": rows}, found


def machine_facts(args, connections: int) -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text()
                .splitlines() if line.startswith("model name")), platform.processor())
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    return {"machine": f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}",
            "load": f"gunicorn {args.workers} sync workers; {wrk.split('[')[0].strip()}, "
                    f"1 thread, {connections} connections, {args.warmup:g} s warm-up then "
                    f"{args.duration:g} s per page, on loopback; at the largest size each "
                    f"page's worst subject again with {args.queue_connections} connections",
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


def measure_pages(app, base: str, found: list, args, connections: int) -> list[PageResult]:
    """Each page as each subject of its role; a dealer's or rep's subject without the record
    a detail page opens skips that page, saying which."""
    cookies, results = {}, []
    values = {subject: samples for subject, samples in found}
    for page, subject in measured(PAGES, list(values)):
        if args.only not in page.name:
            continue
        result = PageResult(page.name, page.role, "", subject=subject.kind)
        results.append(result)
        try:
            result.path = page_path(app, page, values[subject])
        except KeyError as error:
            if subject.kind == subjects.HEAD_OFFICE:
                result.error = error.args[0]
            else:
                result.skipped = error.args[0].removesuffix(" in the data set")
            _progress(result)
            continue
        if subject.username not in cookies:
            cookies[subject.username] = load.sign_in(base, subject.username, PASSWORD)
        measure_page(base, page, result, args, connections, cookies[subject.username])
    return results


def measure_page(base, page, result: PageResult, args, connections: int, cookie: str) -> None:
    """Check the page answers what it should, then drive it with wrk."""
    try:
        answer = load.fetch(base, result.path, cookie=cookie, htmx=page.htmx)
    except TimeoutError:
        result.error = "no answer within 30 s"
    else:
        result.error, result.bytes = check_answer(answer, page.htmx), len(answer.body)
    if not result.error:
        result.measure = measure_url(base, result.path, args, connections, cookie, page.htmx)
    _progress(result)


def _progress(result: PageResult) -> None:
    m = result.measure
    print(f"  {result.role:9} {result.subject:11} {result.path:50} " + (
        result.error or (f"skipped: {result.skipped}" if result.skipped else "") or (
            f"{m.rps:7.0f}/s p50 {m.p50_ms:6.1f} p99 {m.p99_ms:6.1f} ms")),
        file=sys.stderr, flush=True)


def measure_queued(app, base: str, found: list, pages: list[PageResult], need_rps,
                   args) -> list[PageResult]:
    """Each page's worst subject again, with ``--queue-connections`` connections: more than
    workers, so requests wait for a worker."""
    cookies = {s.kind + s.role: load.sign_in(base, s.username, PASSWORD) for s, _v in found
               if s.role in {p.role for p in pages}}
    by_name = {(p.role, p.name): p for p in PAGES}
    queued = []
    for results in by_page(pages).values():
        bad = worst(results, need_rps)
        if bad.skipped or bad.error:
            continue
        result = PageResult(bad.name, bad.role, bad.path, subject=bad.subject)
        measure_page(base, by_name[bad.key], result, args, args.queue_connections,
                     cookies[bad.subject + bad.role])
        queued.append(result)
    return queued


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


def measure_size(args, url: str, scale: str, largest: bool, label: str, connections: int):
    """One data size: its pages as every subject; at the largest size first the bare route
    and the portal's floor, and then the queued measurement."""
    from portal import create_app

    env = production_env(args, url)
    os.environ.update(env)
    kind = sa.engine.make_url(url).get_backend_name()
    work, at = Path(args.work_dir), f" at scale {scale}" if scale else ""
    app = create_app()
    facts, found = database_facts(app, datetime.now(UTC))
    measured_at = {"facts": facts, "hello": None, "floor": [], "queued": []}
    if largest:
        measured_at["hello"], measured_at["floor"] = measure_references(args, env, label,
                                                                        connections)
    print(f"== {label}{at}: portal pages", file=sys.stderr, flush=True)
    with load.gunicorn("wsgi:app", workers=args.workers, env=env,
                       log_path=work / f"portal-{kind}.log", ready_path="/healthz") as base:
        pages = measure_pages(app, base, found, args, connections)
        if largest and args.queue_connections:
            print(f"== {label}{at}: worst subjects, {args.queue_connections} connections",
                  file=sys.stderr, flush=True)
            measured_at["queued"] = measure_queued(app, base, found, pages,
                                                   target_rps(measured_at["floor"]), args)
    who = "; ".join(f"{s.kind} {s.note}" for s, _v in found if s.note)
    return SizeRun(scale, pages, who), measured_at


def measure_references(args, env: dict, label: str, connections: int):
    """The bare Flask route and the portal's floor, served like the portal."""
    kind = sa.engine.make_url(env["DATABASE_URL"]).get_backend_name()
    work = Path(args.work_dir)
    print(f"== {label}: bare Flask route", file=sys.stderr, flush=True)
    with load.gunicorn("benchmarks.hello:app", workers=args.workers, env=env,
                       log_path=work / "hello.log", ready_path="/hello") as base:
        hello = measure_url(base, "/hello", args, connections)
    print(f"  hello {hello.rps:.0f}/s p99 {hello.p99_ms:.1f} ms", file=sys.stderr, flush=True)
    print(f"== {label}: the portal's floor", file=sys.stderr, flush=True)
    with load.gunicorn("benchmarks.floor:serve()", workers=args.workers, env=env,
                       log_path=work / f"floor-{kind}.log", ready_path="/_bench/text") as base:
        return hello, measure_floor(base, args, connections)


def main(argv=None) -> int:
    args = parse_args(argv)
    connections = args.connections or args.workers
    kind = sa.engine.make_url(args.database_url[-1]).get_backend_name()
    label = args.label or {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(kind, kind)
    started = time.monotonic()
    runs, facts = [], machine_facts(args, connections)
    for n, (url, scale) in enumerate(zip(args.database_url, args.scales, strict=True)):
        run, measured_at = measure_size(args, url, scale, n == len(args.scales) - 1, label,
                                        connections)
        runs.append(run)
        facts.update({f"{key} at scale {scale}" if scale else key: value
                      for key, value in measured_at["facts"].items()})
    notices, batch = None, documents.BatchTiming(note="not measured (--skip-documents)")
    if not args.skip_documents:
        print(f"== {label}: notices", file=sys.stderr, flush=True)
        with documents.scratch_copy(args.database_url[-1]) as scratch:
            os.environ["DATABASE_URL"] = scratch
            from portal import create_app

            notices, batch = documents.measure(create_app(), USERS["finance"],
                                               args.batch_dealers)
    facts["took"] = f"{time.monotonic() - started:.0f} s"
    text = section(label, facts, measured_at["hello"], runs, measured_at["queued"], notices,
                   batch, measured_at["floor"], args.queue_connections)
    if args.output:
        Path(args.output).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
