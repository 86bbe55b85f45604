"""Consistent online backups of the SQLite database, and restoring them.

SQLite's online backup API copies the database page by page while the server
keeps accepting reports: the copy is a consistent snapshot, never a torn file
as ``cp`` of a live WAL database can be. PostgreSQL has ``pg_dump`` for that,
which typodesk points to rather than wrapping.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from django.conf import settings
from django.db import connection

from typodesk.conf import private_file


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says what to do instead."""


def _sqlite_path() -> Path:
    db = settings.DATABASES["default"]
    if "sqlite" not in db["ENGINE"]:
        url_hint = 'pg_dump --format=custom --file typodesk.dump "$DATABASE_URL"'
        raise BackupError(
            f"the database is PostgreSQL: back it up with `{url_hint}` and restore with pg_restore "
            "(see docs/operations.md, PostgreSQL: Backups)"
        )
    return Path(db["NAME"])


def backup(target: Path) -> int:
    """Copy the live database to ``target`` (a new file); returns its size in bytes."""
    source_path = _sqlite_path()
    target = target.expanduser().resolve()
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name")
    if not target.parent.is_dir():
        raise BackupError(f"the directory {target.parent} does not exist")
    partial = target.with_name(target.name + ".partial")
    # Created 0600 before SQLite opens it: a backup holds what the database holds (password
    # hashes, TOTP and webhook secrets), and SQLite would create it with the umask's mode.
    partial.unlink(missing_ok=True)
    private_file(partial)
    src = sqlite3.connect(source_path, timeout=30)
    try:
        dst = sqlite3.connect(partial)
        try:
            # Small steps let writers in between; the backup restarts itself if a
            # writer changes pages it already copied, so the result is consistent.
            src.backup(dst, pages=256, sleep=0.005)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()
    os.replace(partial, target)
    return target.stat().st_size


def restore(source: Path) -> None:
    """Replace the live database's content with the backup at ``source``.

    Checked first: a file that is not an intact typodesk database is refused
    before anything is overwritten.
    """
    live = _sqlite_path()
    source = source.expanduser().resolve()
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    try:
        check = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            ok = check.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in check.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            check.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} is not an SQLite database ({exc})") from None
    if ok != "ok":
        raise BackupError(f"{source} is damaged: {ok}")
    if "findings_finding" not in tables or "django_migrations" not in tables:
        raise BackupError(f"{source} is not a typodesk database")
    connection.close()
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(live, timeout=30)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
