"""A real store built by `fundatlas ingest` from the bundled pages, once per session and database
(SQLite and PostgreSQL: every query test runs on both)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from query_helpers import demo_url

from fundatlas.query import Portfolio


@pytest.fixture(scope="session")
def demo_urls() -> dict[str, str]:
    """backend -> the demo store's URL, built once per session (see ``query_helpers.demo_url``)."""
    return {}


@pytest.fixture(scope="session")
def demo_db(backend: str, demo_urls: dict[str, str], tmp_path_factory: pytest.TempPathFactory,
            request: pytest.FixtureRequest) -> str:
    return demo_url(backend, demo_urls, tmp_path_factory, request)


@pytest.fixture(scope="session")
def portfolio(demo_db: str) -> Iterator[Portfolio]:
    portfolio = Portfolio(demo_db)
    yield portfolio
    portfolio.engine.dispose()
