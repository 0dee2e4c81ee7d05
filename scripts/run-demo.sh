#!/usr/bin/env bash
# Set up (system packages, .venv, translations), load the demo data into the database (by default
# a SQLite file under instance/; DATABASE_URL picks another) and serve http://127.0.0.1:5000, with
# a job queue consumer beside it (notice runs, the periodic jobs; the queue is a SQLite file under
# instance/ unless QUEUE_URL says otherwise), stopped with the server.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# shellcheck disable=SC2119  # no extra packages for the demo
ensure_base_packages
ensure_venv
compile_translations

export FLASK_APP=wsgi
.venv/bin/flask --app wsgi db upgrade
.venv/bin/flask --app wsgi seed-demo --if-empty

.venv/bin/flask --app wsgi jobs worker &
consumer=$!
trap 'kill "$consumer" 2>/dev/null; wait "$consumer" 2>/dev/null' EXIT INT TERM

echo
echo "Sanbao Portal: http://127.0.0.1:5000"
echo
.venv/bin/flask --app wsgi run --host 127.0.0.1 --port 5000
