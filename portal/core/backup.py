"""Backup and restore of the database and the uploaded files: ``flask backup create|restore``.

A backup is one uncompressed tar file (name it ``*.tar``) holding:

    manifest.json       what is inside: database kind, Alembic revision, time, number of files
    database.sqlite3    SQLite: a copy made with SQLite's online backup API (safe while in use)
    database.dump       PostgreSQL: ``pg_dump -Fc`` (custom format, already compressed)
    uploads/…           the instance's uploads folder (photos, signatures, scans, PDFs)

Restoring goes into an empty database and an empty uploads folder of the same database kind;
``--force`` replaces what is there. PostgreSQL needs ``pg_dump``/``pg_restore`` on the PATH (the
client of the server's major version); the password goes to them through ``PGPASSWORD``, never on
their command line.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import closing
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from portal.core.db import utcnow
from portal.extensions import db

FORMAT = 1
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
# Connection-URL query parameters handed to pg_dump/pg_restore as libpq environment variables.
LIBPQ_PARAMS = {"host", "port", "sslmode", "sslrootcert", "sslcert", "sslkey",
                "connect_timeout", "options", "application_name"}


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why and what to do."""


def uploads_folder() -> Path:
    return Path(current_app.instance_path) / "uploads"


# -- making a backup ------------------------------------------------------------------------------

def create_backup(path: Path) -> dict:
    """Write the database and the uploads into the tar file ``path``; return its manifest."""
    engine = db.engine
    dialect = _dialect(engine)
    uploads = uploads_folder()
    files = _files(uploads)
    manifest = {"format": FORMAT, "dialect": dialect, "database": DUMP_NAMES[dialect],
                "revision": _revision(engine), "created_at": utcnow().isoformat(),
                "uploads": len(files)}
    partial = path.with_name(path.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="portal-backup-") as work:
        dump = Path(work) / manifest["database"]
        (_sqlite_backup if dialect == "sqlite" else _pg_dump)(engine.url, dump)
        (Path(work) / "manifest.json").write_text(json.dumps(manifest, indent=2))
        with tarfile.open(partial, "w") as tar:
            tar.add(Path(work) / "manifest.json", arcname="manifest.json")
            tar.add(dump, arcname=manifest["database"])
            for file in files:
                tar.add(file, arcname=f"uploads/{file.relative_to(uploads).as_posix()}")
    os.replace(partial, path)  # a half-written backup never carries the final name
    return manifest


def _sqlite_backup(url: sa.URL, target: Path) -> None:
    with closing(sqlite3.connect(_sqlite_path(url))) as source, \
            closing(sqlite3.connect(target)) as copy:
        source.backup(copy)


def _pg_dump(url: sa.URL, target: Path) -> None:
    _run_pg("pg_dump", ["-Fc", "-f", str(target), *_pg_args(url)], url)


# -- restoring ------------------------------------------------------------------------------------

def restore_backup(path: Path, *, force: bool = False) -> dict:
    """Put a backup's database and uploads back; refuse a non-empty target unless ``force``."""
    engine = db.engine
    dialect = _dialect(engine)
    uploads = uploads_folder()
    with tempfile.TemporaryDirectory(prefix="portal-restore-") as work:
        manifest = _unpack(path, Path(work))
        if manifest["dialect"] != dialect:
            raise BackupError(f"{path} holds a {manifest['dialect']} database; this portal uses "
                              f"{dialect}. Restore it into a {manifest['dialect']} database.")
        _check_empty(engine, uploads, force)
        engine.dispose()  # no pooled connection may hold the old database open
        dump = Path(work) / manifest["database"]
        (_sqlite_restore if dialect == "sqlite" else _pg_restore)(dump, engine.url)
        engine.dispose()
        if uploads.exists():
            shutil.rmtree(uploads)
        if (Path(work) / "uploads").exists():
            shutil.copytree(Path(work) / "uploads", uploads)
    return manifest


def _unpack(path: Path, work: Path) -> dict:
    if not path.is_file():
        raise BackupError(f"{path} does not exist.")
    try:
        with tarfile.open(path, "r") as tar:
            tar.extractall(work, filter="data")  # no absolute paths, links out or devices
        manifest = json.loads((work / "manifest.json").read_text())
    except (tarfile.TarError, OSError, ValueError) as error:
        raise BackupError(f"{path} is not a portal backup ({error}).") from None
    if manifest.get("format") != FORMAT or not (work / manifest.get("database", "-")).is_file():
        raise BackupError(f"{path} is not a portal backup of a known format.")
    return manifest


def _check_empty(engine: sa.Engine, uploads: Path, force: bool) -> None:
    if force:
        return
    tables = sa.inspect(engine).get_table_names()
    if tables:
        raise BackupError(f"The target database is not empty ({len(tables)} tables). Restore "
                          "into an empty database, or pass --force to replace its contents.")
    if _files(uploads):
        raise BackupError(f"The uploads folder {uploads} is not empty. Restore into an empty "
                          "one, or pass --force to replace its contents.")


def _sqlite_restore(dump: Path, url: sa.URL) -> None:
    target = _sqlite_path(url)
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(dump)) as source, closing(sqlite3.connect(target)) as live:
        source.backup(live)  # page by page into the live file, replacing all it held


def _pg_restore(dump: Path, url: sa.URL) -> None:
    # --no-owner/--no-privileges: the restoring role owns everything, whatever roles the source
    # server had; --clean --if-exists makes --force work on a database that has the schema.
    _run_pg("pg_restore", ["--no-owner", "--no-privileges", "--clean", "--if-exists",
                           "--single-transaction", *_pg_args(url), str(dump)], url)


# -- helpers --------------------------------------------------------------------------------------

def _dialect(engine: sa.Engine) -> str:
    name = engine.dialect.name
    if name not in DUMP_NAMES:
        raise BackupError(f"Backups of {name} databases are not supported.")
    return name


def _sqlite_path(url: sa.URL) -> str:
    if url.database in (None, "", ":memory:"):
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return url.database


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def _revision(engine: sa.Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.SQLAlchemyError:
        return None


def _pg_args(url: sa.URL) -> list[str]:
    args = []
    for flag, value in (("-h", url.host), ("-p", url.port), ("-U", url.username)):
        if value:
            args += [flag, str(value)]
    return [*args, "-d", url.database or ""]


def _pg_env(url: sa.URL) -> dict:
    env = dict(os.environ)
    for key, value in url.query.items():
        if key in LIBPQ_PARAMS:
            env[f"PG{key.upper()}"] = value if isinstance(value, str) else value[-1]
    if url.password:
        env["PGPASSWORD"] = url.password
    return env


def _run_pg(program: str, args: list[str], url: sa.URL) -> None:
    if shutil.which(program) is None:
        raise BackupError(f"{program} was not found on the PATH. Install the PostgreSQL client "
                          "programs of the server's major version (Debian: postgresql-client).")
    result = subprocess.run([program, *args], env=_pg_env(url), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{program} failed (exit {result.returncode}): "
                          f"{result.stderr.strip()}")


# -- commands -------------------------------------------------------------------------------------

backup_cli = AppGroup("backup", help="Back up and restore the database and uploaded files.")


@backup_cli.command("create")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def create(path: Path):
    """Write a backup (a .tar of the database and the uploads) to PATH."""
    try:
        manifest = create_backup(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backup written: {path} ({manifest['dialect']} database at revision "
               f"{manifest['revision']}, {manifest['uploads']} uploaded files)")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database or uploads folder in use.")
def restore(path: Path, force: bool):
    """Restore the backup PATH into this portal's empty database and uploads folder."""
    try:
        manifest = restore_backup(path, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"restored: {path} (made {manifest['created_at']}, revision "
               f"{manifest['revision']}, {manifest['uploads']} uploaded files); "
               "run `flask db upgrade` if this code is newer")
