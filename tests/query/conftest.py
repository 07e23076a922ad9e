"""A real SQLite store built by `fundatlas ingest` from the bundled pages, once per test module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fundatlas.ingest import ingest, read_inputs
from fundatlas.query import Portfolio
from fundatlas.store import open_store

PAGES = Path(__file__).resolve().parents[2] / "src" / "fundatlas" / "demo" / "pages"


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("query") / "demo.db"
    url = f"sqlite:///{path}"
    engine = open_store(url)
    list(ingest(engine, read_inputs([PAGES])))
    engine.dispose()
    yield url


@pytest.fixture(scope="session")
def portfolio(demo_db: str) -> Iterator[Portfolio]:
    portfolio = Portfolio(demo_db)
    yield portfolio
    portfolio.engine.dispose()
