"""Real SQLite stores for the dashboard's tests: the bundled pages, and a page written to attack it.

``demo_store`` is built once per session by ingesting ``src/fundatlas/demo/pages`` (as ``make demo``
does); ``hostile_store`` holds one project whose title and description carry markup
(``<script>``, ``<img onerror>``) that must come out as text.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fundatlas.api import create_app
from fundatlas.ingest import ingest, read_inputs
from fundatlas.query import Portfolio
from fundatlas.store import open_store

PAGES = Path(__file__).resolve().parents[2] / "src" / "fundatlas" / "demo" / "pages"
HOSTILE_TITLE = 'Mauritanie : <script>alert("title")</script> & <img src=x onerror=alert(1)> "dits" l\'essai'
HOSTILE_DESCRIPTION = (
    '<script>alert("description")</script><img src=x onerror=alert(2)> La traite des personnes '
    "</textarea></pre><!-- --> {{ 7*7 }} javascript:alert(3)"
)


def _build(path: Path, pages: list[Path]) -> str:
    url = f"sqlite:///{path}"
    engine = open_store(url)
    list(ingest(engine, read_inputs(pages)))
    engine.dispose()
    return url


def hostile_page(folder: Path) -> Path:
    """A copy of a bundled French page with markup in its title and description, and its own IDs."""
    text = (PAGES / "seed-000.txt").read_text(encoding="utf-8")
    title = "Mauritanie : Facilitation de l’inclusion des migrants dans le système de protection sociale"
    assert title in text
    description_start = "Malgré les efforts déployés"
    text = text.replace(title, HOSTILE_TITLE).replace(description_start, HOSTILE_DESCRIPTION + " " + description_start)
    text = text.replace("IS.0133", "IS.0999").replace("MR10P0564", "MR10P0999")
    page = folder / "hostile.txt"
    page.write_text(text, encoding="utf-8")
    return page


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _build(tmp_path_factory.mktemp("web") / "demo.db", [PAGES])


@pytest.fixture(scope="session")
def demo_portfolio(demo_store: str) -> Iterator[Portfolio]:
    portfolio = Portfolio(demo_store)
    yield portfolio
    portfolio.engine.dispose()


@pytest.fixture(scope="session")
def client(demo_portfolio: Portfolio) -> Iterator[TestClient]:
    """The real application (REST API and dashboard, as ``fundatlas serve`` builds it)."""
    with TestClient(create_app(portfolio=demo_portfolio)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def hostile_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("hostile")
    portfolio = Portfolio(_build(folder / "hostile.db", [hostile_page(folder)]))
    with TestClient(create_app(portfolio=portfolio)) as test_client:
        yield test_client
    portfolio.engine.dispose()
