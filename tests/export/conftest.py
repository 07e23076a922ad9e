"""A real SQLite store built by ingesting the bundled pages, once per test session, and the schemas."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from export_helpers import GEOJSON_SCHEMA, IATI_XSD, PAGES
from lxml import etree

from fundatlas.ingest import ingest, read_inputs
from fundatlas.query import Portfolio
from fundatlas.store import open_store


@pytest.fixture(scope="session")
def export_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("export") / "demo.db"
    url = f"sqlite:///{path}"
    engine = open_store(url)
    list(ingest(engine, read_inputs([PAGES])))
    engine.dispose()
    yield url


@pytest.fixture(scope="session")
def portfolio(export_db: str) -> Iterator[Portfolio]:
    portfolio = Portfolio(export_db)
    yield portfolio
    portfolio.engine.dispose()


@pytest.fixture(scope="session")
def iati_schema() -> etree.XMLSchema:
    assert IATI_XSD.is_file(), f"the IATI 2.03 XSD is missing: {IATI_XSD} (shared/ must sit beside the clone)"
    return etree.XMLSchema(etree.parse(str(IATI_XSD)))


@pytest.fixture(scope="session")
def geojson_schema() -> dict[str, Any]:
    return dict(json.loads(GEOJSON_SCHEMA.read_text(encoding="utf-8")))
