"""Check a generated benchmark database: its invariants, that the main pages of each bench
user answer 200 on it through the app's test client, and the benchmark's subjects
(benchmarks/subjects.py): who they are, and that each signs in to its home page.

    python -m benchmarks.gen_check --database-url URL
"""

import argparse
import sys
import time

import sqlalchemy as sa

from benchmarks.gen_rows import BENCH_DEALER, PASSWORD

BENCH_USERS = ("bench_admin", "bench_clerk", "bench_tech", "bench_finance", "bench_rep",
               "bench_dealer")

# Pages per user; "{claim}", "{unit}", "{notice}", "{dealer}" are filled with the bench dealer's.
PAGES = {
    # "/" redirects to the user's home page.
    "bench_dealer": ["/", "/home/dealer", "/claims/", "/claims/{claim}", "/units/",
                     "/units/{unit}", "/finance/notices", "/finance/notices/{notice}",
                     "/finance/ledger/{dealer}", "/returns/owed", "/returns/shipments",
                     "/service/", "/followup/visits"],
    "bench_rep": ["/", "/home/rep", "/claims/", "/claims/{claim}", "/finance/claims",
                  "/returns/overdue", "/dealers/"],
    "bench_tech": ["/", "/home/technical", "/claims/", "/claims/{claim}", "/returns/verdicts",
                   "/quality/alerts"],
    "bench_finance": ["/", "/home/finance", "/finance/claims", "/finance/notices",
                      "/finance/notices/{notice}", "/finance/ledger", "/finance/ledger/{dealer}"],
    "bench_clerk": ["/", "/home/clerk", "/service/", "/returns/receiving", "/returns/owed"],
    "bench_admin": ["/", "/home/admin", "/dashboard", "/dealers/", "/units/", "/claims/",
                    "/admin/users", "/catalog/parts", "/audit"],
}


def invariants(conn) -> list[str]:
    """What must hold in any generated set; returns the broken ones (empty when all hold)."""
    checks = {
        "a claim's unit belongs to its dealer":
            "SELECT count(*) FROM claims c JOIN units u ON u.id = c.unit_id "
            "WHERE u.dealer_id <> c.dealer_id",
        "claims are on sold units (a card in force)":
            "SELECT count(*) FROM claims c WHERE NOT EXISTS (SELECT 1 FROM warranty_cards w "
            "WHERE w.unit_id = c.unit_id AND w.status <> 'void')",
        "a claim's total is the sum of its lines":
            "SELECT count(*) FROM claims c WHERE abs(c.total_claimed - (SELECT sum(amount) "
            "FROM claim_lines l WHERE l.claim_id = c.id)) > 0.001",
        "a notice's total equals its claims' audited totals":
            "SELECT count(*) FROM write_off_notices n WHERE abs(n.total - (SELECT "
            "sum(c.total_finance) FROM notice_claims nc JOIN claims c ON c.id = nc.claim_id "
            "WHERE nc.notice_id = n.id)) > 0.001",
        "a notice's claim rows add up to the notice":
            "SELECT count(*) FROM write_off_notices n WHERE abs(n.total - (SELECT sum(total) "
            "FROM notice_claims nc WHERE nc.notice_id = n.id)) > 0.001 OR abs(n.total - "
            "(n.parts + n.labour + n.travel + n.other)) > 0.001",
        "a confirmed notice has exactly one offset of minus its total":
            "SELECT count(*) FROM write_off_notices n WHERE n.status = 'confirmed' AND 1 <> "
            "(SELECT count(*) FROM ledger_entries e WHERE e.notice_id = n.id "
            "AND e.kind = 'offset' AND abs(e.amount + n.total) < 0.001)",
        "only confirmed notices have offsets":
            "SELECT count(*) FROM ledger_entries e JOIN write_off_notices n "
            "ON n.id = e.notice_id WHERE n.status <> 'confirmed'",
        "written-off claims are in a confirmed notice, and only they":
            "SELECT count(*) FROM claims c LEFT JOIN write_off_notices n ON n.id = c.notice_id "
            "WHERE (c.finance_stage = 'written_off') <> (coalesce(n.status, '') = 'confirmed')",
        "claims in a notice are finance-approved or written off":
            "SELECT count(*) FROM claims WHERE notice_id IS NOT NULL "
            "AND finance_stage NOT IN ('approved', 'written_off')",
        "finance stages only on decided, not rejected claims":
            "SELECT count(*) FROM claims WHERE finance_stage IS NOT NULL "
            "AND status NOT IN ('approved', 'partly_approved')",
        "decided claims have an approved total; open ones none":
            "SELECT count(*) FROM claims WHERE (status IN ('approved', 'partly_approved', "
            "'rejected')) <> (total_approved IS NOT NULL)",
        "claims with finance have their old parts settled":
            "SELECT count(*) FROM owed_parts o JOIN claims c ON c.id = o.claim_id "
            "WHERE c.finance_stage IS NOT NULL AND NOT (o.status = 'waived' OR "
            "(o.status = 'received' AND o.verdict IS NOT NULL))",
        "owed parts belong to their claim's dealer and unit":
            "SELECT count(*) FROM owed_parts o JOIN claims c ON c.id = o.claim_id "
            "WHERE o.dealer_id <> c.dealer_id OR o.unit_id <> c.unit_id",
        "notice numbers are gapless per year":
            "SELECT count(*) FROM document_counters k WHERE k.kind = 'notice' AND "
            "(k.last <> (SELECT count(*) FROM write_off_notices n WHERE n.year = k.year) OR "
            "k.last <> (SELECT max(seq) FROM write_off_notices n WHERE n.year = k.year))",
        "draft claims are not submitted":
            "SELECT count(*) FROM claims WHERE status = 'draft' AND submitted_at IS NOT NULL",
    }
    broken = []
    for name, sql in checks.items():
        count = conn.execute(sa.text(sql)).scalar()
        if count:
            broken.append(f"{name}: {count} rows")
    return broken


def sample_ids(conn) -> dict:
    dealer = conn.execute(sa.text("SELECT id FROM dealers WHERE code = :c"),
                          {"c": BENCH_DEALER}).scalar()
    claim = conn.execute(sa.text(
        "SELECT max(id) FROM claims WHERE dealer_id = :d AND status = 'partly_approved'"),
        {"d": dealer}).scalar()
    unit = conn.execute(sa.text("SELECT unit_id FROM claims WHERE id = :c"),
                        {"c": claim}).scalar()
    notice = conn.execute(sa.text(
        "SELECT number FROM write_off_notices WHERE dealer_id = :d ORDER BY id DESC"),
        {"d": dealer}).scalar()
    return {"dealer": dealer, "claim": claim, "unit": unit, "notice": notice}


def check_pages(app, pages: dict | None = None) -> list[tuple[str, str, int, float]]:
    """Sign each bench user in through the login form and open their pages; return
    (user, path, status, seconds) for each."""
    from portal.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        ids = sample_ids(conn)
    results = []
    for username, paths in (pages or PAGES).items():
        client = app.test_client()
        response = client.post("/login", data={"username": username, "password": PASSWORD})
        results.append((username, "POST /login", response.status_code, 0.0))
        for path in paths:
            path = path.format(**ids)
            started = time.perf_counter()
            response = client.get(path)
            results.append((username, path, response.status_code,
                            time.perf_counter() - started))
    return results


def check_subjects(app) -> list[tuple[str, str, int, float]]:
    """Find the subjects and sign each in to its home page ("/" then where it redirects);
    return (kind, username and note, status, seconds) for each."""
    from benchmarks import subjects
    from benchmarks.pages import USERS
    from portal.core.db import utcnow

    with app.app_context():
        found = [s for s in subjects.find(utcnow(), USERS) if s.kind != subjects.HEAD_OFFICE]
    results = []
    for subject in found:
        client = app.test_client()
        client.post("/login", data={"username": subject.username, "password": PASSWORD})
        started = time.perf_counter()
        response = client.get("/", follow_redirects=True)
        signed_in = response.request.path.startswith("/home/")  # not back at the sign-in form
        results.append((subject.kind, f"{subject.username} ({subject.note})",
                        response.status_code if signed_in else 401,
                        time.perf_counter() - started))
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gen_check")
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args(argv)
    from benchmarks.generate import make_app, normalise
    from portal.extensions import db

    app = make_app(normalise(args.database_url))
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context(), db.engine.connect() as conn:
        broken = invariants(conn)
    for line in broken:
        print("BROKEN:", line)
    print(f"invariants: {'all hold' if not broken else f'{len(broken)} broken'}")
    failed = 0
    for username, path, status, seconds in check_pages(app):
        ok = status == (303 if path == "POST /login" else 302 if path == "/" else 200)
        failed += not ok
        print(f"{'ok ' if ok else 'BAD'} {status} {seconds * 1000:8.0f} ms  {username:<14} {path}")
    for kind, who, status, seconds in check_subjects(app):
        failed += status != 200
        print(f"{'ok ' if status == 200 else 'BAD'} {status} {seconds * 1000:8.0f} ms  "
              f"subject {kind:<8} {who}")
    return 1 if broken or failed else 0


if __name__ == "__main__":
    sys.exit(main())
