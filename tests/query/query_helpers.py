"""Helpers of the query tests (a module of its own, so that no other conftest can shadow it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from backends import databases_for

from fundatlas.ingest import ingest, read_inputs
from fundatlas.store import open_store

PAGES = Path(__file__).resolve().parents[2] / "src" / "fundatlas" / "demo" / "pages"


def demo_url(backend: str, demo_urls: dict[str, str], tmp_path_factory: pytest.TempPathFactory,
             request: pytest.FixtureRequest) -> str:
    """The URL of the store of the bundled pages on ``backend``, built the first time it is asked for."""
    if backend not in demo_urls:
        url = databases_for(backend, tmp_path_factory.mktemp("query"), request).new("demo")
        engine = open_store(url)
        list(ingest(engine, read_inputs([PAGES])))
        engine.dispose()
        demo_urls[backend] = url
    return demo_urls[backend]
