"""Everything PostgreSQL-specific in the store, and nothing else (SQLite has ``sqlite.py``).

* URLs: ``postgresql://`` and ``postgres://`` mean the psycopg 3 driver (``postgresql+psycopg://``),
  the one fundatlas installs.
* Connection pool and session settings, from the environment (documented in the README):

  ========================================  =======  ================================================
  variable                                  default  what it does
  ========================================  =======  ================================================
  ``FUNDATLAS_PG_POOL_SIZE``                5        connections each process keeps open
  ``FUNDATLAS_PG_MAX_OVERFLOW``             10       extra connections a process may open at a peak
  ``FUNDATLAS_PG_POOL_RECYCLE``             1800     seconds before a pooled connection is replaced
  ``FUNDATLAS_PG_STATEMENT_TIMEOUT``        0        ms a statement may run (0: no limit)
  ``FUNDATLAS_PG_LOCK_TIMEOUT``             600000   ms a statement may wait for a lock (0: no limit)
  ========================================  =======  ================================================

  Every checkout is pinged first (``pool_pre_ping``), so a restarted server costs no error.
* Writers are serialized, as on SQLite: a transaction on a connection marked with
  ``WRITE_INTENT`` (``database.writing``) first takes a transaction-level advisory lock, held until
  it commits. Two ``fundatlas ingest`` runs therefore never deadlock and never both create the
  same project or source; readers (the API) are never blocked (MVCC).
* Migrations are writers too, so processes starting together on a new database migrate it once.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, event, func, select, text
from sqlalchemy.engine import URL, Connection, Engine, make_url

from fundatlas.errors import StoreError
from fundatlas.store.sqlite import WRITE_INTENT

#: The writers' ``pg_advisory_xact_lock`` key: "fundatla" in ASCII.
WRITE_LOCK_KEY = 0x66756E6461746C61
DRIVER = "postgresql+psycopg"

#: Pool and session settings: environment variable -> default.
SETTINGS = {
    "FUNDATLAS_PG_POOL_SIZE": 5,
    "FUNDATLAS_PG_MAX_OVERFLOW": 10,
    "FUNDATLAS_PG_POOL_RECYCLE": 1800,
    "FUNDATLAS_PG_STATEMENT_TIMEOUT": 0,
    "FUNDATLAS_PG_LOCK_TIMEOUT": 600_000,
}
#: SQLSTATEs after which a transaction may simply be run again.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected


def is_postgresql(url: str | URL) -> bool:
    try:
        return make_url(url).get_backend_name() in {"postgresql", "postgres"}
    except Exception:
        return False


def normalize_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` URLs with the psycopg 3 driver; other URLs unchanged."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        return DRIVER + url[len("postgresql"):]
    return url


def setting(name: str) -> int:
    """One of ``SETTINGS``, from the environment; raises ``StoreError`` for a value that is no count."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return SETTINGS[name]
    try:
        value = int(raw)
    except ValueError as exc:
        raise StoreError(f"${name}: {raw!r} is not a whole number") from exc
    if value < 0:
        raise StoreError(f"${name}: {value} is negative")
    return value


def engine_options() -> dict[str, Any]:
    """Keyword arguments of ``create_engine`` for a PostgreSQL store."""
    options = (f"-c statement_timeout={setting('FUNDATLAS_PG_STATEMENT_TIMEOUT')} "
               f"-c lock_timeout={setting('FUNDATLAS_PG_LOCK_TIMEOUT')}")
    return {
        "pool_size": setting("FUNDATLAS_PG_POOL_SIZE"),
        "max_overflow": setting("FUNDATLAS_PG_MAX_OVERFLOW"),
        "pool_recycle": setting("FUNDATLAS_PG_POOL_RECYCLE"),
        "pool_pre_ping": True,
        "connect_args": {"options": options, "application_name": "fundatlas"},
    }


def configure(engine: Engine) -> None:
    """Take the writers' lock at the start of each transaction of a connection marked as writing."""

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(WRITE_INTENT, False):
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")


def reset_sequences(connection: Connection, tables: Iterable[Table]) -> None:
    """After rows were inserted with their ids (a restore): each id sequence continues after the largest."""
    for table in tables:
        for column in table.primary_key.columns:
            sequence = connection.execute(
                select(func.pg_get_serial_sequence(table.name, column.name))
            ).scalar()
            if sequence is None:
                continue
            largest = connection.execute(select(func.max(column))).scalar()
            connection.execute(
                text("SELECT setval(CAST(:sequence AS regclass), :value, :called)"),
                {"sequence": sequence, "value": int(largest or 1), "called": largest is not None},
            )


def integrity_check(connection: Connection, tables: Iterable[Table]) -> list[str]:
    """PostgreSQL's counterpart of ``PRAGMA integrity_check``: ``["ok"]`` when every constraint is
    validated and no row points at a missing parent (the server enforces both; this checks it)."""
    problems = [
        f"constraint {name} on {table} is not validated"
        for name, table in connection.execute(
            text("SELECT conname, conrelid::regclass::text FROM pg_constraint "
                 "WHERE connamespace = current_schema()::regnamespace AND NOT convalidated")
        )
    ]
    for table in tables:
        for foreign_key in table.foreign_key_constraints:
            [(child, parent)] = [(e.parent, e.column) for e in foreign_key.elements]
            orphans = connection.execute(
                select(func.count()).select_from(table)
                .where(child.is_not(None), ~select(parent).where(parent == child).exists())
            ).scalar_one()
            if orphans:
                problems.append(f"foreign key: {orphans} row(s) of {table.name}.{child.name} "
                                f"point at no {parent.table.name} row")
    return problems or ["ok"]
