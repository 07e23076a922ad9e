"""Fixtures of the store tests: real SQLite files in tmp_path and real PostgreSQL databases, never a mock.

Every test that uses ``engine``, ``db_url`` or ``corpus_store`` runs on both databases (see
tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from backends import Databases, databases_for
from sqlalchemy.engine import Engine
from store_helpers import PAGES, ingest_paths

from fundatlas.ingest import Outcome
from fundatlas.store import open_store


@pytest.fixture
def db_url(databases: Databases) -> str:
    return databases.new()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    store = open_store(db_url)
    yield store
    store.dispose()


@pytest.fixture(scope="module")
def corpus_store(backend: str, tmp_path_factory: pytest.TempPathFactory,
                 request: pytest.FixtureRequest) -> Iterator[tuple[Engine, list[Outcome]]]:
    """The 77 bundled real pages, ingested once per module and database."""
    store = open_store(databases_for(backend, tmp_path_factory.mktemp("corpus"), request).new("corpus"))
    outcomes = ingest_paths(store, PAGES)
    yield store, outcomes
    store.dispose()
