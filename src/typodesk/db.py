"""The database driver's own cursor, for the few statements on the report path."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def driver_cursor(connection) -> Iterator:
    """A cursor of the driver under Django's ``connection`` (sqlite3's or psycopg's), closed
    afterwards, its errors raised as ``django.db`` exceptions.

    The lean ingestion path runs a few statements per report or per group; Django's cursor
    wrapper (query rewriting, logging hooks) costs more than they do. Placeholders are the
    driver's: ``?`` for SQLite, ``%s`` for PostgreSQL.
    """
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = connection.connection.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
