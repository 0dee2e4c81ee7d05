#!/usr/bin/env bash
# Set up, run ruff, then the test suite on SQLite and on a throwaway PostgreSQL server.
# Arguments are passed to both pytest runs: bash scripts/test.sh -k audit -x
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_base_packages postgresql
ensure_venv
compile_translations

echo "== ruff =="
.venv/bin/ruff check .

start_test_postgres   # stopped and removed again by its EXIT trap

failed=()

echo
echo "== tests on SQLite =="
if env -u TEST_DATABASE_URL .venv/bin/python -m pytest "$@"; then
    :
else
    failed+=("SQLite (pytest exit $?)")
fi

echo
echo "== tests on PostgreSQL =="
if TEST_DATABASE_URL="postgresql+psycopg://portal@127.0.0.1:$PG_PORT/portal_test" \
    .venv/bin/python -m pytest "$@"; then
    :
else
    failed+=("PostgreSQL (pytest exit $?)")
fi

echo
if [ "${#failed[@]}" -gt 0 ]; then
    echo "== FAILED: ${failed[*]} =="
    exit 1
fi
echo "== all passed: ruff, SQLite, PostgreSQL =="
