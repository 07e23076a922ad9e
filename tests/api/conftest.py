"""Fixtures of the API tests: a real SQLite store built by ingesting the bundled pages, and the real app."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_helpers import ADMIN_TOKEN, PAGES
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fundatlas.api import create_app
from fundatlas.ingest import ingest, read_inputs
from fundatlas.store import open_store


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled pages ingested once; tests that write get a copy (``fresh_db``)."""
    path = tmp_path_factory.mktemp("api") / "demo.db"
    engine = open_store(f"sqlite:///{path}")
    list(ingest(engine, read_inputs([PAGES])))
    engine.dispose()  # the last connection closed: the WAL is checkpointed into the file
    return path


@pytest.fixture(scope="session")
def demo_db(demo_file: Path) -> str:
    return f"sqlite:///{demo_file}"


@pytest.fixture
def fresh_db(demo_file: Path, tmp_path: Path) -> str:
    copy = tmp_path / "copy.db"
    shutil.copyfile(demo_file, copy)
    return f"sqlite:///{copy}"


@pytest.fixture(scope="session")
def app(demo_db: str) -> FastAPI:
    """The read-only API alone (the dashboard, another module, is left out of these tests)."""
    return create_app(demo_db, web=False)


@pytest.fixture(scope="session")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def admin_client(fresh_db: str) -> Iterator[TestClient]:
    with TestClient(create_app(fresh_db, admin_token=ADMIN_TOKEN, web=False)) as test_client:
        yield test_client
