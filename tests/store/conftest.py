"""Fixtures of the store tests: real SQLite files in tmp_path, never a mock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from store_helpers import PAGES, db_url, ingest_paths

from fundatlas.ingest import Outcome
from fundatlas.store import open_store


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store.db"


@pytest.fixture
def engine(db_path: Path) -> Iterator[Engine]:
    store = open_store(db_url(db_path))
    yield store
    store.dispose()


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, Path, list[Outcome]]]:
    """The 77 bundled real pages, ingested once per module."""
    path = tmp_path_factory.mktemp("corpus") / "corpus.db"
    store = open_store(db_url(path))
    outcomes = ingest_paths(store, PAGES)
    yield store, path, outcomes
    store.dispose()
