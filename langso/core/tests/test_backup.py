"""`manage.py backup`: SQLite online backup and pg_dump, against real databases."""

import shutil
import sqlite3
import subprocess
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from langso.core.management.commands.backup import (
    pg_environment,
    postgres_backup,
    sqlite_backup,
)
from langso.core.models import Commune

on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite database only")
on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql" or shutil.which("pg_dump") is None
    or shutil.which("pg_restore") is None,
    reason="needs DATABASE_URL=postgres://… and pg_dump/pg_restore")


def _live_database(path: Path, rows: int) -> sqlite3.Connection:
    """A file database set up like the application's: WAL, rows committed but not yet
    checkpointed into the main file."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")
    db.execute("CREATE TABLE person (id INTEGER PRIMARY KEY, full_name TEXT NOT NULL)")
    db.execute("BEGIN")
    db.executemany("INSERT INTO person (full_name) VALUES (?)",
                   [(f"Nguyễn Văn {i}",) for i in range(rows)])
    db.execute("COMMIT")
    return db


def _rows(path: Path) -> list[tuple[int, str]]:
    copy = sqlite3.connect(path)
    try:
        return copy.execute("SELECT id, full_name FROM person ORDER BY id").fetchall()
    finally:
        copy.close()


def test_sqlite_backup_copies_committed_rows_while_another_connection_is_writing(
        tmp_path: Path) -> None:
    # Given a WAL database with 100 committed rows and a writer in the middle of a transaction
    live = tmp_path / "langso.sqlite3"
    app = _live_database(live, rows=100)
    writer = sqlite3.connect(live, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO person (full_name) VALUES ('chưa ghi')")
    source = sqlite3.connect(live)
    target = tmp_path / "copy.sqlite3"

    # When it is backed up from another connection
    sqlite_backup(source=source, target=target)
    writer.execute("COMMIT")

    # Then the copy holds exactly the committed rows, is intact and is one file
    assert _rows(target) == [(i + 1, f"Nguyễn Văn {i}") for i in range(100)]
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    copy.close()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("copy")) == [
        "copy.sqlite3"]
    # and the application's database still has every row, the late one included
    assert app.execute("SELECT count(*) FROM person").fetchone() == (101,)
    for db in (app, writer, source):
        db.close()


def test_sqlite_backup_refuses_to_write_over_the_database_it_copies(tmp_path: Path) -> None:
    live = tmp_path / "langso.sqlite3"
    app = _live_database(live, rows=3)

    with pytest.raises(CommandError, match="đè lên chính nó"):
        sqlite_backup(source=app, target=live)

    assert len(_rows(live)) == 3
    app.close()


# transaction=True: the command runs outside any transaction, as from a shell or cron.
@on_sqlite
@pytest.mark.django_db(transaction=True)
def test_backup_command_copies_the_running_sqlite_database(
        commune: Commune, tmp_path: Path) -> None:
    # Given the application's database with a commune in it
    target = tmp_path / "backup.sqlite3"
    out = StringIO()

    # When the command backs it up
    call_command("backup", str(target), stdout=out)

    # Then the copy has the same communes, and the command says where it went
    copy = sqlite3.connect(target)
    rows = copy.execute("SELECT code, name FROM core_commune ORDER BY code").fetchall()
    copy.close()
    assert rows == list(Commune.objects.order_by("code").values_list("code", "name"))
    assert (commune.code, "Xã Tam Đảo") in rows
    assert f"Đã sao lưu cơ sở dữ liệu vào {target}" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_backup_into_a_directory_names_the_file_by_date(tmp_path: Path) -> None:
    call_command("backup", str(tmp_path), stdout=StringIO())

    (made,) = list(tmp_path.iterdir())
    suffix = ".sqlite3" if connection.vendor == "sqlite" else ".dump"
    assert made.name.startswith("langso-") and made.name.endswith(suffix)
    assert made.stat().st_size > 0


@pytest.mark.django_db
def test_backup_does_not_overwrite_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "backup.sqlite3"
    target.write_bytes(b"yesterday's backup")

    with pytest.raises(CommandError, match="--overwrite"):
        call_command("backup", str(target), stdout=StringIO())

    assert target.read_bytes() == b"yesterday's backup"
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.django_db(transaction=True)
def test_backup_overwrites_an_existing_file_when_asked(tmp_path: Path) -> None:
    target = tmp_path / "backup"
    target.write_bytes(b"yesterday's backup")

    call_command("backup", str(target), "--overwrite", stdout=StringIO())

    assert target.read_bytes() != b"yesterday's backup"
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.django_db
def test_backup_into_a_missing_directory_fails_and_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="không tồn tại"):
        call_command("backup", str(tmp_path / "no" / "backup.sqlite3"), stdout=StringIO())

    assert list(tmp_path.iterdir()) == []


@on_sqlite
@pytest.mark.django_db
def test_sqlite_backup_inside_an_open_transaction_is_refused_instead_of_waiting(
        commune: Commune, tmp_path: Path) -> None:
    # pytest-django runs this test inside a transaction that has written the commune
    with pytest.raises(CommandError, match="giao dịch"):
        call_command("backup", str(tmp_path / "backup.sqlite3"), stdout=StringIO())

    assert list(tmp_path.iterdir()) == []


def test_backup_without_a_path_is_refused() -> None:
    with pytest.raises(CommandError, match="path"):
        call_command("backup", stdout=StringIO())


def test_pg_environment_carries_every_connection_parameter_and_the_password_off_argv(
        ) -> None:
    settings_dict: dict[str, Any] = {
        "NAME": "langso", "USER": "langso", "PASSWORD": "bí mật", "HOST": "db.tinh.vn",
        "PORT": 6432, "OPTIONS": {"sslmode": "verify-full", "pool": True}}

    assert pg_environment(settings_dict) == {
        "PGDATABASE": "langso", "PGUSER": "langso", "PGPASSWORD": "bí mật",
        "PGHOST": "db.tinh.vn", "PGPORT": "6432", "PGSSLMODE": "verify-full"}


def test_missing_pg_dump_is_named_in_the_error(tmp_path: Path) -> None:
    target = tmp_path / "langso.dump"

    with pytest.raises(CommandError, match="pg_dump-khong-co"):
        postgres_backup(settings_dict={"NAME": "langso"}, target=target,
                        pg_dump="pg_dump-khong-co")

    assert not target.exists()


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_backup_command_dumps_postgresql_for_pg_restore(
        commune: Commune, tmp_path: Path) -> None:
    # Given a committed commune in the PostgreSQL database
    target = tmp_path / "langso.dump"

    # When the command backs the database up
    call_command("backup", str(target), stdout=StringIO())

    # Then pg_restore reads the archive, and the commune's row is in it
    listing = subprocess.run(["pg_restore", "--list", str(target)], capture_output=True,
                             text=True, check=True).stdout
    assert "TABLE DATA public core_commune" in listing
    data = subprocess.run(["pg_restore", "--data-only", "--table=core_commune", "--file=-",
                           str(target)], capture_output=True, text=True, check=True).stdout
    assert "Xã Tam Đảo" in data and str(commune.code) in data


@on_postgres
@pytest.mark.django_db
def test_pg_dump_failure_is_reported_and_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "langso.dump"

    with pytest.raises(CommandError, match=r"pg_dump thất bại.*langso_khong_co"):
        postgres_backup(settings_dict={**connection.settings_dict,
                                       "NAME": "langso_khong_co"}, target=target)

    assert list(tmp_path.iterdir()) == []
