"""How the answer cache learns that the store changed, cheaply.

``Portfolio.data_version()`` counts and scans the projects table (about half a second on 100,000
projects); the cache asks once a second, so on SQLite it asks the database instead: ``PRAGMA
data_version``, read on a connection of the cache's own that never writes, changes whenever another
connection (an ingest in this server, ``fundatlas ingest`` in another process) commits. Other
databases fall back to ``Portfolio.data_version()``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlalchemy.pool import PoolProxiedConnection

from fundatlas.query import Portfolio


class SqliteDataVersion:
    """``PRAGMA data_version`` on a dedicated connection (autocommit: no read transaction is held)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: PoolProxiedConnection | None = None
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            if self._connection is None:
                self._connection = self._engine.raw_connection()
            try:
                driver = self._connection.driver_connection
                assert driver is not None
                row = driver.execute("PRAGMA data_version").fetchone()
            except Exception:
                self.close()
                raise
        return f"sqlite:{row[0]}"

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def version_reader(portfolio: Portfolio) -> Callable[[], str]:
    if portfolio.engine.dialect.name == "sqlite":
        return SqliteDataVersion(portfolio.engine)
    return portfolio.data_version
