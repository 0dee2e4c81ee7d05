"""``flask backup create|restore``: a backup restored into an empty database gives back the same
records and uploaded files, on SQLite and on PostgreSQL alike."""

from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal.accounts.roles import Role
from portal.claims.models import Claim
from portal.core import audit
from portal.core.audit import AuditEntry
from portal.core.backup import BackupError, _run_pg, uploads_folder
from portal.extensions import db
from tests import factories
from tests.ops_helpers import portal_app

PHOTO = b"\x89PNG\r\n\x1a\n not really a picture"


@contextmanager
def two_databases(database_url: str, tmp_path):
    """URLs of an empty source and an empty target database, dropped afterwards."""
    url = sa.make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield (f"sqlite:///{tmp_path / 'source.sqlite3'}",
               f"sqlite:///{tmp_path / 'restored.sqlite3'}")
        return
    names = [f"{url.database}_source", f"{url.database}_restore"]
    server = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield tuple(url.set(database=name).render_as_string(hide_password=False)
                    for name in names)
    finally:
        with server.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def build_records() -> dict:
    """Committed rows with money, timestamps and JSON, and one uploaded file."""
    dealer = factories.make_dealer("BK-1")
    user = factories.make_user(Role.DEALER_ADMIN, dealer=dealer, username="bk_admin")
    part = factories.make_part("BK-P1", price=Decimal("1234.56"))
    unit = factories.make_unit("BK-SN1", dealer=dealer)
    factories.make_card(unit)
    claim = factories.make_claim(unit, created_by=user,
                                 lines=[("part", "1234.56"), ("labour", "80.10")])
    at = datetime(2026, 3, 1, 1, 2, 3, tzinfo=UTC)
    entry = audit.record("update", part, actor=user, reason="价格调整",
                         changes={"price": ["99.50", "1234.56"], "名称": ["零件", "曲轴"]})
    entry.at = at
    db.session.commit()
    (uploads_folder() / "claims").mkdir(parents=True)
    (uploads_folder() / "claims" / "photo.png").write_bytes(PHOTO)
    return {"claim": claim.id, "entry": entry.id, "at": at}


def snapshot() -> dict:
    """Every table's row count, and every row of the models' tables as the app reads them."""
    with db.engine.connect() as conn:
        counts = {name: conn.execute(sa.text(f'SELECT COUNT(*) FROM "{name}"')).scalar()
                  for name in sa.inspect(conn).get_table_names()}
        rows = {table.name: conn.execute(sa.select(table).order_by(
                    *(table.primary_key.columns or table.columns))).all()
                for table in db.metadata.sorted_tables}
    return {"counts": counts, "rows": rows}


def test_a_backup_restored_into_an_empty_database_gives_back_the_same_records(
        database_url, tmp_path):
    backup = tmp_path / "portal-backup.tar"
    with two_databases(database_url, tmp_path) as (source_url, target_url):
        with portal_app(source_url, tmp_path / "source") as source:
            upgrade()
            built = build_records()
            result = source.test_cli_runner().invoke(args=["backup", "create", str(backup)])
            assert result.exit_code == 0, result.output
            assert "1 uploaded files" in result.output
            before = snapshot()

        with portal_app(target_url, tmp_path / "target") as target:
            result = target.test_cli_runner().invoke(args=["backup", "restore", str(backup)])
            assert result.exit_code == 0, result.output
            after = snapshot()
            claim = db.session.get(Claim, built["claim"])
            assert claim.total_claimed == Decimal("1314.66")
            assert [line.amount for line in claim.lines] == [Decimal("1234.56"), Decimal("80.10")]
            entry = db.session.get(AuditEntry, built["entry"])
            assert entry.at == built["at"]
            assert entry.changes == {"price": ["99.50", "1234.56"], "名称": ["零件", "曲轴"]}
            assert entry.reason == "价格调整"
            assert (uploads_folder() / "claims" / "photo.png").read_bytes() == PHOTO

    assert after["counts"] == before["counts"]
    assert before["counts"]["claims"] == 1 and before["counts"]["alembic_version"] == 1
    assert after["rows"] == before["rows"]


def test_restore_refuses_a_database_with_tables_unless_forced(database_url, tmp_path):
    backup = tmp_path / "portal-backup.tar"
    with (two_databases(database_url, tmp_path) as (source_url, _target_url),
          portal_app(source_url, tmp_path / "source") as source):
        upgrade()
        runner = source.test_cli_runner()
        assert runner.invoke(args=["backup", "create", str(backup)]).exit_code == 0
        factories.make_dealer("BK-LATER")
        db.session.commit()

        db.session.remove()  # as in a real command, no transaction holds the database
        result = runner.invoke(args=["backup", "restore", str(backup)])
        assert result.exit_code != 0
        assert "not empty" in result.output and "--force" in result.output
        assert db.session.scalar(sa.text("SELECT COUNT(*) FROM dealers")) == 1

        db.session.remove()
        result = runner.invoke(args=["backup", "restore", "--force", str(backup)])
        assert result.exit_code == 0, result.output
        assert db.session.scalar(sa.text("SELECT COUNT(*) FROM dealers")) == 0


def test_restore_refuses_what_is_not_a_backup(runner, tmp_path):
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar file at all")
    result = runner.invoke(args=["backup", "restore", str(junk)])
    assert result.exit_code != 0 and "not a portal backup" in result.output
    result = runner.invoke(args=["backup", "restore", str(tmp_path / "missing.tar")])
    assert result.exit_code != 0 and "does not exist" in result.output


def test_a_missing_pg_dump_is_named(monkeypatch):
    monkeypatch.setenv("PATH", "")
    with pytest.raises(BackupError, match="pg_dump was not found"):
        _run_pg("pg_dump", ["--version"], sa.make_url("postgresql://u:PASSWORD@h/d"))
