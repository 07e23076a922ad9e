"""New, empty databases of either kind for the tests (the fixtures are in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pg_server import PostgresServer

BACKENDS = ("sqlite", "postgresql")


class Databases:
    """New, empty databases of one kind: SQLite files in a folder, or databases on the test server."""

    def __init__(self, backend: str, folder: Path, server: PostgresServer | None) -> None:
        self.backend = backend
        self.folder = folder
        self.server = server
        self._count = 0

    def new(self, name: str = "store") -> str:
        self._count += 1
        if self.server is not None:
            return self.server.new_database(name.replace("-", "_"))
        return f"sqlite:///{self.folder / f'{name}-{self._count}.db'}"


def databases_for(backend: str, folder: Path, request: pytest.FixtureRequest) -> Databases:
    """``Databases`` of ``backend``; starts the PostgreSQL server (once per session) when needed."""
    server = request.getfixturevalue("postgresql_server") if backend == "postgresql" else None
    return Databases(backend, folder, server)
