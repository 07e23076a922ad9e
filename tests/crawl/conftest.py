"""Fixtures of the crawler tests: a real HTTP server on 127.0.0.1 and real SQLite files, never a mock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from crawl_helpers import PROXY_VARIABLES
from crawl_site import ServedSite, Site


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test server is on 127.0.0.1: a proxy from the environment must not stand in between."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def clean_site() -> Iterator[ServedSite]:
    """The small site without faults."""
    with ServedSite(Site(faults=False)) as served:
        yield served
