# shellcheck shell=bash
# Shared setup for scripts/run-demo.sh and scripts/test.sh; meant to be sourced, not run.
#
#   ensure_base_packages [PKG...]  system packages for the portal (plus PKG...), via apt-get
#   ensure_apt PKG...              install the Debian packages that are not installed yet
#   ensure_venv                    .venv with the project installed as `pip install -e '.[test]'`
#   compile_translations           portal/translations/*/LC_MESSAGES/*.po -> .mo
#   start_test_postgres            throwaway PostgreSQL server in a temp dir, stopped on exit
#
# Everything runs from the repository root.

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

export DEBIAN_FRONTEND=noninteractive

log() { printf '>> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command as root: directly when we are root, otherwise through sudo.
as_root() {
    if is_root; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root or sudo to run: $*"
    fi
}

_apt_updated=0

# ensure_apt PKG...: install (with apt-get) those of the Debian packages PKG... not installed yet.
ensure_apt() {
    local pkg status missing=()
    for pkg in "$@"; do
        status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
        if [[ "$status" != *"install ok installed"* ]]; then
            missing+=("$pkg")
        fi
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        die "missing system packages (${missing[*]}) and no apt-get to install them; install them yourself"
    fi
    if ! is_root && ! command -v sudo >/dev/null 2>&1; then
        die "missing system packages (${missing[*]}): run as root or install sudo"
    fi
    log "installing system packages: ${missing[*]}"
    if [ "$_apt_updated" -eq 0 ]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
        _apt_updated=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# ensure_base_packages [PKG...]: what the portal needs from Debian (venv, WeasyPrint's Pango and
# HarfBuzz, a CJK font), plus the extra packages PKG..., installed in one apt-get run.
ensure_base_packages() {
    command -v python3 >/dev/null 2>&1 || die "python3 (3.11 or newer) is required"
    local pkgs=()
    # Debian ships the venv module with python3 itself but ensurepip (which venv needs to put
    # pip into the environment) only in python3-venv, so check both.
    if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1
    then
        pkgs+=(python3-venv)
    fi
    pkgs+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-wqy-zenhei
        fontconfig)
    pkgs+=("$@")
    ensure_apt "${pkgs[@]}"
}

# ensure_venv: .venv exists and has the project installed (again whenever pyproject.toml changed).
ensure_venv() {
    local stamp=.venv/.installed-stamp
    if [ ! -x .venv/bin/python ] || [ ! -x .venv/bin/pip ] || ! .venv/bin/python -c '' 2>/dev/null
    then
        if [ -e .venv ]; then
            log "recreating the broken virtual environment .venv"
            python3 -m venv --clear .venv
        else
            log "creating the virtual environment .venv"
            python3 -m venv .venv
        fi
    fi
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        log "installing Python packages into .venv"
        .venv/bin/pip install -q --disable-pip-version-check --upgrade pip
        .venv/bin/pip install -q --disable-pip-version-check -e '.[test]'
        touch "$stamp"
    fi
}

# compile_translations: build the .mo files the running app reads.
compile_translations() {
    if [ -d portal/translations ] && compgen -G 'portal/translations/*/LC_MESSAGES/*.po' >/dev/null
    then
        .venv/bin/pybabel compile -d portal/translations --statistics
    fi
}

# --- throwaway PostgreSQL (scripts/test.sh) -------------------------------------------------------

PG_BIN=""
PG_TMP=""
PG_PORT=""

# _pg PROGRAM ARGS...: run a PostgreSQL server program. PostgreSQL refuses to run as root, so as
# root it runs as the unprivileged `postgres` system user (from the Debian postgresql package).
_pg() {
    local prog="$PG_BIN/$1"
    shift
    if is_root; then
        if command -v runuser >/dev/null 2>&1; then
            (cd "$PG_TMP" && runuser -u postgres -- "$prog" "$@")
        else
            (cd "$PG_TMP" && su postgres -s /bin/bash -c "$(printf '%q ' "$prog" "$@")")
        fi
    else
        "$prog" "$@"
    fi
}

# start_test_postgres: initdb + start a server on a free port of 127.0.0.1, with trust auth for
# the user `portal` and an empty database `portal_test`. Sets PG_PORT. Installs traps so the server
# is stopped and its directory removed when the script exits, fails or is interrupted.
start_test_postgres() {
    PG_BIN=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null \
        | sort -V | tail -1) || true
    if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
        die "PostgreSQL server programs not found under /usr/lib/postgresql/*/bin"
    fi
    if is_root && ! getent passwd postgres >/dev/null; then
        die "running as root, but there is no 'postgres' user to run PostgreSQL as"
    fi

    # A short path under /tmp: the server's Unix socket lives here too (paths are limited to ~100
    # bytes), and as root it must be reachable by the postgres user.
    PG_TMP=$(mktemp -d /tmp/sanbao-pg.XXXXXX)
    trap stop_test_postgres EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
    if is_root; then
        chown -R postgres "$PG_TMP"
        chmod 755 "$PG_TMP"
    fi

    PG_PORT=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()')

    log "starting PostgreSQL ($PG_BIN) on 127.0.0.1:$PG_PORT in $PG_TMP"
    local initdb_args=(-D "$PG_TMP/data" -U portal -A trust --encoding=UTF8)
    if ! _pg initdb "${initdb_args[@]}" --locale=C.UTF-8 >"$PG_TMP/initdb.log" 2>&1; then
        rm -rf "$PG_TMP/data"
        if ! _pg initdb "${initdb_args[@]}" --locale=C >"$PG_TMP/initdb.log" 2>&1; then
            cat "$PG_TMP/initdb.log" >&2
            die "initdb failed"
        fi
    fi
    if ! _pg pg_ctl -D "$PG_TMP/data" -l "$PG_TMP/log" -w \
        -o "-p $PG_PORT -k $PG_TMP -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null; then
        cat "$PG_TMP/log" >&2 || true
        die "PostgreSQL did not start"
    fi
    _pg createdb -h 127.0.0.1 -p "$PG_PORT" -U portal portal_test
}

# stop_test_postgres: stop the server and remove its directory (the EXIT trap; safe to call twice).
stop_test_postgres() {
    local rc=$?
    if [ -n "$PG_TMP" ] && [ -d "$PG_TMP" ]; then
        if [ -f "$PG_TMP/data/postmaster.pid" ]; then
            _pg pg_ctl -D "$PG_TMP/data" -m fast -w stop >/dev/null 2>&1 \
                || _pg pg_ctl -D "$PG_TMP/data" -m immediate -w stop >/dev/null 2>&1 \
                || true
        fi
        case "$PG_TMP" in
            /tmp/sanbao-pg.*) rm -rf "$PG_TMP" ;;
        esac
    fi
    PG_TMP=""
    return "$rc"
}
