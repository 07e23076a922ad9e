"""Fixtures for tests that run on both databases: SQLite files and a real PostgreSQL server.

A test (or fixture) that asks for ``backend`` runs twice, ``[sqlite]`` and ``[postgresql]``;
``databases.new()`` then gives the URL of a new, empty database of that kind (``backends.py``).
The PostgreSQL server (``pg_server.py``) starts on the first test that needs it, once per
session, and stops at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from backends import BACKENDS, Databases, databases_for
from pg_server import PostgresServer


@pytest.fixture(scope="session")
def postgresql_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def databases(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Databases:
    return databases_for(backend, tmp_path, request)
