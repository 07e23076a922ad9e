"""Everything SQLite-specific in the store, and nothing else (PostgreSQL needs none of it).

* Python's ``sqlite3`` driver (before 3.16) does not BEGIN before SELECT or DDL, which breaks
  transactional migrations and SAVEPOINTs; SQLAlchemy is given the job of emitting BEGIN.
* A connection marked with the ``fundatlas_writes`` execution option begins with
  ``BEGIN IMMEDIATE``, so that two writers queue on the busy timeout instead of failing.
* PRAGMAs on every connection: write-ahead log (readers never block the writer, and a killed
  writer leaves the last committed state), ``synchronous=NORMAL`` (safe against a killed
  process; only a power cut can lose the last commits), foreign keys enforced, a busy timeout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url

BUSY_TIMEOUT_MS = 30_000
MMAP_BYTES = 1 << 30
CACHE_KIB = 64 * 1024
#: Execution option (any database) saying a connection's transactions will write.
WRITE_INTENT = "fundatlas_writes"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL (None for an in-memory database)."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def configure(engine: Engine) -> None:
    """Set the PRAGMAs on each new connection and let SQLAlchemy emit BEGIN."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN (see _on_begin)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")  # reads straight from the OS page cache
            cursor.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A connection that will write takes the write lock up front, waiting for it with the busy
        # timeout; a deferred transaction that reads first could not wait for the upgrade.
        writes = connection.get_execution_options().get(WRITE_INTENT, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def integrity_check(connection: Connection) -> list[str]:
    """``PRAGMA integrity_check`` and ``foreign_key_check``: ``["ok"]`` when the file is sound."""
    problems = [str(row[0]) for row in connection.exec_driver_sql("PRAGMA integrity_check")]
    foreign = list(connection.exec_driver_sql("PRAGMA foreign_key_check"))
    if foreign:
        problems = [p for p in problems if p != "ok"] + [f"foreign key: {tuple(row)}" for row in foreign]
    return problems


def analyze(connection: Connection) -> None:
    """Refresh the query planner's statistics (after a large ingest): without them SQLite may
    pick a slow plan for joins on 100,000 projects."""
    connection.exec_driver_sql("ANALYZE")
