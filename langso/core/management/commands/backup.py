"""`manage.py backup <path>`: a consistent copy of the database while the application runs.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies one snapshot; in WAL
mode writers go on meanwhile. PostgreSQL: ``pg_dump -Fc`` (for ``pg_restore``) with the
parameters of DATABASE_URL, the password passed in the environment, not on the command line.
Either way the copy is written next to the target and renamed into place only when complete.
"""

import os
import shutil
import sqlite3
import subprocess
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone

SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".dump"}

# Connection OPTIONS (from DATABASE_URL's query string) that libpq reads from the environment.
LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY", "sslcrl": "PGSSLCRL", "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS", "application_name": "PGAPPNAME", "service": "PGSERVICE",
    "passfile": "PGPASSFILE", "target_session_attrs": "PGTARGETSESSIONATTRS",
}


def _partial(target: Path) -> Path:
    return target.with_name(f".{target.name}.partial")


def _discard(path: Path) -> None:
    path.unlink(missing_ok=True)


def sqlite_backup(*, source: sqlite3.Connection, target: Path) -> Path:
    """Copy the main database of ``source`` into the new file ``target``; return ``target``.

    One step (``pages=-1``): the copy reads a single snapshot, so it never restarts because
    the application wrote meanwhile, and in WAL mode the application's writers do not wait.
    """
    files = {row[1]: row[2] for row in source.execute("PRAGMA database_list")}
    if files.get("main") and Path(files["main"]).resolve() == target.resolve():
        raise CommandError("Không thể sao lưu cơ sở dữ liệu đè lên chính nó.")
    partial = _partial(target)
    _discard(partial)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy, pages=-1)
            # One self-contained file: no -wal/-shm companions to forget when restoring.
            copy.execute("PRAGMA journal_mode=DELETE")
            # Check the file's structure. CHECK constraints held in the source, and some call
            # functions (REGEXP) that only Django's own connections define.
            copy.execute("PRAGMA ignore_check_constraints=ON")
            check = copy.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            copy.close()
        if check != "ok":
            raise CommandError(f"Bản sao lưu không toàn vẹn: {check}")
        partial.replace(target)
    except sqlite3.Error as exc:
        raise CommandError(f"Sao lưu SQLite thất bại: {exc}") from exc
    finally:
        _discard(partial)
    return target


def pg_environment(settings_dict: dict[str, Any]) -> dict[str, str]:
    """libpq environment variables for a Django PostgreSQL connection's settings."""
    env = {"PGDATABASE": str(settings_dict["NAME"])}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"),
                          ("PASSWORD", "PGPASSWORD")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    for option, variable in LIBPQ_OPTIONS.items():
        value = (settings_dict.get("OPTIONS") or {}).get(option)
        if value not in (None, ""):
            env[variable] = str(value)
    return env


def postgres_backup(*, settings_dict: dict[str, Any], target: Path,
                    pg_dump: str = "pg_dump") -> Path:
    """``pg_dump --format=custom`` of the database into the new file ``target``."""
    executable = shutil.which(pg_dump)
    if executable is None:
        raise CommandError(f"Không tìm thấy {pg_dump}: cài gói postgresql-client "
                           "cùng phiên bản chính với máy chủ PostgreSQL.")
    partial = _partial(target)
    _discard(partial)
    # libpq reads the same PG* variables the application's own connections see.
    env = {**os.environ, **pg_environment(settings_dict)}
    try:
        # --no-password: fail at once instead of waiting for a prompt under cron.
        done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [executable, "--format=custom", "--no-password", f"--file={partial}"],
            env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise CommandError(f"pg_dump thất bại: {done.stderr.strip()[:1000]}")
        partial.replace(target)
    finally:
        _discard(partial)
    return target


class Command(BaseCommand):
    help = ("Sao lưu cơ sở dữ liệu khi hệ thống đang chạy: SQLite bằng online backup, "
            "PostgreSQL bằng pg_dump -Fc. / Back up the database while the site runs.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", help="backup file, or an existing directory to put a "
                                         "dated file in")
        parser.add_argument("--database", default="default", help="database alias")
        parser.add_argument("--overwrite", action="store_true",
                            help="replace the file if it exists")
        parser.add_argument("--pg-dump", default="pg_dump",
                            help="pg_dump executable (default: the one on PATH)")

    def handle(self, *args: Any, path: str, database: str, overwrite: bool, pg_dump: str,
               **options: Any) -> None:
        connection = connections[database]
        vendor = connection.vendor
        if vendor not in SUFFIXES:
            raise CommandError(f"Chưa hỗ trợ sao lưu cơ sở dữ liệu {vendor}.")
        target = Path(path).expanduser()
        if target.is_dir():
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            target = target / f"langso-{stamp}{SUFFIXES[vendor]}"
        if not target.parent.is_dir():
            raise CommandError(f"Thư mục {target.parent} không tồn tại.")
        if target.exists() and not overwrite:
            raise CommandError(f"Tệp {target} đã có; dùng --overwrite để ghi đè.")

        if vendor == "sqlite":
            if connection.in_atomic_block:
                # SQLite cannot copy from a connection that is writing: the backup would
                # wait for this very transaction to end, forever.
                raise CommandError("Không thể sao lưu SQLite từ bên trong một giao dịch "
                                   "đang mở.")
            connection.ensure_connection()
            sqlite_backup(source=connection.connection, target=target)
        else:
            postgres_backup(settings_dict=connection.settings_dict, target=target,
                            pg_dump=pg_dump)
        size = target.stat().st_size
        self.stdout.write(self.style.SUCCESS(
            f"Đã sao lưu cơ sở dữ liệu vào {target} ({size:,} byte)."))
