"""Time benchmark pages in one process, with their SQL statement counts, to compare two trees.

    cd TREE && python PATH/TO/benchmarks/compare.py --database-url URL [--only NAME] [-n 200]
        [--profile NAME] [--sql NAME]

The wrk benchmark (``benchmarks/run.py``) says how fast a page is; this says why. It signs in
as each page's bench user through the Flask test client (the real sign-in form), GETs each page
``-n`` times and prints the median milliseconds (wall and CPU) and the SQL statements one
request runs.
``--profile`` prints cProfile's top functions for the named pages, ``--sql`` their statements.
It imports ``portal`` and ``benchmarks.pages`` from the current directory, so the same file
measures another worktree (an older revision) run from there. Run it on a copy of the bench
database: signing in writes to it.
"""

import argparse
import cProfile
import gc
import os
import pstats
import re
import secrets
import statistics
import sys
import time

sys.path.insert(0, os.getcwd())  # the tree being measured, not this file's

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--only", action="append", default=[],
                        help="Pages whose 'role name' contains this (repeatable).")
    parser.add_argument("-n", type=int, default=100, help="Requests per page.")
    parser.add_argument("--profile", action="append", default=[],
                        help="cProfile the pages matching this.")
    parser.add_argument("--profile-dir",
                        help="Also save each profile there (pstats files, to diff two trees).")
    parser.add_argument("--sql", action="append", default=[],
                        help="Print the statements of one request to pages matching this.")
    parser.add_argument("--subject", default="",
                        help="Open its role's pages as this subject of benchmarks/subjects.py "
                             "(largest, median, small, old, new; many, few), on its records.")
    return parser.parse_args(argv)


def subject_users(kind: str):
    """The users to sign in as, per role, and the samples: the bench users on the bench
    dealer's records, or with ``kind`` that subject on its own."""
    from benchmarks import subjects
    from benchmarks.pages import USERS, samples, users_dealer
    from portal.core.db import utcnow

    if not kind:
        return USERS, samples(users_dealer(USERS["dealer"]))
    found = next(s for s in subjects.find(utcnow(), USERS) if s.kind == kind)
    return {**USERS, found.role: found.username}, samples(found.dealer_id)


class Statements:
    """Counts (and, when asked, keeps) every statement the engine sends."""

    def __init__(self, engine):
        import sqlalchemy as sa

        self.count, self.kept, self.keep = 0, [], False
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        self.count += 1
        if self.keep:
            self.kept.append((statement, parameters))


def sign_in(client, username: str, password: str) -> None:
    page = client.get("/login")
    token = CSRF.search(page.get_data(as_text=True)).group(1)
    answer = client.post("/login", data={"csrf_token": token, "username": username,
                                         "password": password, "next": ""})
    if answer.status_code != 303:
        raise RuntimeError(f"signing in as {username} answered {answer.status_code}")


def matches(label: str, wanted: list[str]) -> bool:
    return any(w in label for w in wanted)


def measure(client, path: str, headers: dict, n: int, statements) -> tuple:
    """Median wall and CPU ms over ``n`` GETs (after two warm-up ones), statements and Python
    calls per request, status. CPU time (SQLite's included: it runs in this thread) is what to
    compare on a busy machine; wall time also counts waiting for a core."""
    for _ in range(2):
        status = client.get(path, headers=headers).status_code
    # As a production worker does (wsgi.py, portal/core/gc_freeze.py): what the warm-up built is
    # frozen, so the collector's full passes do not land on random requests of the timing.
    gc.collect()
    gc.freeze()
    before = statements.count
    client.get(path, headers=headers)
    per_request = statements.count - before
    profiler = cProfile.Profile()  # Python function calls of one request: steady when timings
    profiler.runcall(client.get, path, headers=headers)  # are not, on a busy machine
    calls = pstats.Stats(profiler).total_calls
    wall, cpu = [], []
    for _ in range(n):
        started, started_cpu = time.perf_counter(), time.thread_time()
        client.get(path, headers=headers)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return statistics.median(wall), statistics.median(cpu), per_request, calls, status


def profile(client, path: str, headers: dict, n: int, save_as: str = "") -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        client.get(path, headers=headers)
    profiler.disable()
    if save_as:
        profiler.dump_stats(save_as)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)


def show_sql(client, path: str, headers: dict, statements) -> None:
    statements.keep, statements.kept = True, []
    client.get(path, headers=headers)
    statements.keep = False
    for statement, parameters in statements.kept:
        print("   ", " ".join(statement.split()), parameters)


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ.update({"PORTAL_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
                       "DATABASE_URL": args.database_url, "LOG_LEVEL": "WARNING"})
    from benchmarks.pages import PAGES, PASSWORD, page_path
    from portal import create_app
    from portal.extensions import db

    app = create_app()
    with app.app_context():
        users, values = subject_users(args.subject)
        statements = Statements(db.engine)
    clients = {}
    for page in PAGES:
        label = f"{page.role} {page.name}"
        if args.only and not matches(label, args.only):
            continue
        with app.test_request_context():
            try:
                path = page_path(app, page, values)
            except KeyError as error:
                print(f"{label:40} skipped: {error.args[0]}")
                continue
        if page.role not in clients:
            clients[page.role] = app.test_client()
            clients[page.role].environ_base["wsgi.url_scheme"] = "https"  # secure cookie
            sign_in(clients[page.role], users[page.role], PASSWORD)
        client, headers = clients[page.role], {"HX-Request": "true"} if page.htmx else {}
        wall, cpu, count, calls, status = measure(client, path, headers, args.n, statements)
        print(f"{label:40} {status} wall {wall:6.2f} cpu {cpu:6.2f} ms {count:3} sql "
              f"{calls:6} calls  {path}", flush=True)
        if matches(label, args.sql):
            show_sql(client, path, headers, statements)
        if matches(label, args.profile):
            save_as = os.path.join(args.profile_dir, re.sub(r"\W+", "_", label)) if (
                args.profile_dir) else ""
            profile(client, path, headers, args.n, save_as)
    return 0


if __name__ == "__main__":
    sys.exit(main())
