#!/usr/bin/env bash
# Set up, run ruff, then the test suite on SQLite and on a throwaway PostgreSQL server.
# Arguments are passed to both pytest runs: bash scripts/test.sh -k audit -x
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Debian's chromium for the browser tests (tests/e2e), driven by the playwright package; redis-server
# for the two-host test's shared job queue beside PostgreSQL (tests/test_hosts.py).
ensure_base_packages postgresql chromium redis-server
ensure_venv
compile_translations

echo "== ruff =="
.venv/bin/ruff check .

# pip-audit against its vulnerability service: a known vulnerability fails the run; packages it
# could not check are counted in its output (AUDIT_STRICT=1 makes those fail the run too).
echo
echo "== dependency audit (pip-audit) =="
.venv/bin/python scripts/audit_deps.py ${AUDIT_STRICT:+--strict}

start_test_postgres   # stopped and removed again by its EXIT trap

failed=()
reports=$(mktemp -d /tmp/sanbao-reports.XXXXXX)

# The two passes run side by side, one per core (each is one Python process and mostly waits on
# itself; together they took 34 minutes one after the other): the PostgreSQL pass writes to a
# file printed when it ends, the SQLite pass prints as it goes. TEST_SERIAL=1 runs them in turn.
postgres_pass() {
    TEST_DATABASE_URL="postgresql+psycopg://portal@127.0.0.1:$PG_PORT/portal_test" \
        .venv/bin/python -m pytest --junitxml="$reports/postgresql.xml" "$@"
}

pg_log="$reports/postgresql.log"
if [ "${TEST_SERIAL:-}" != 1 ]; then
    postgres_pass "$@" >"$pg_log" 2>&1 &
    pg_pid=$!
    # Stopped (with its server) if this script is: the EXIT trap of start_test_postgres, first.
    trap 'kill "$pg_pid" 2>/dev/null || true; stop_test_postgres' EXIT
fi

echo
echo "== tests on SQLite =="
if env -u TEST_DATABASE_URL .venv/bin/python -m pytest --junitxml="$reports/sqlite.xml" "$@"; then
    :
else
    failed+=("SQLite (pytest exit $?)")
fi

echo
echo "== tests on PostgreSQL =="
if [ "${TEST_SERIAL:-}" = 1 ]; then
    if postgres_pass "$@"; then :; else failed+=("PostgreSQL (pytest exit $?)"); fi
else
    if wait "$pg_pid"; then pg_status=0; else pg_status=$?; fi
    cat "$pg_log"
    if [ "$pg_status" -ne 0 ]; then failed+=("PostgreSQL (pytest exit $pg_status)"); fi
fi

echo
if [ "${#failed[@]}" -gt 0 ]; then
    echo "== FAILED: ${failed[*]} =="
else
    echo "== all passed: ruff, SQLite, PostgreSQL =="
fi

# The last line sums both runs in the form CI reads: "total: N passed, N failed, N skipped".
.venv/bin/python - "$reports" <<'PY'
import sys
from pathlib import Path
from xml.etree import ElementTree

totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
for report in Path(sys.argv[1]).glob("*.xml"):
    for suite in ElementTree.parse(report).getroot().iter("testsuite"):
        for key in totals:
            totals[key] += int(suite.get(key, 0))
failed = totals["failures"] + totals["errors"]
passed = totals["tests"] - failed - totals["skipped"]
print(f"total: {passed} passed, {failed} failed, {totals['skipped']} skipped")
PY
rm -rf "$reports"
[ "${#failed[@]}" -eq 0 ]
