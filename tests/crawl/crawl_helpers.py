"""Helpers of the crawler tests (a module of its own, so that no other conftest can shadow it)."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from fundatlas.crawl import CrawlSettings

T = TypeVar("T")

#: Fast and short, for a site on 127.0.0.1; the defaults themselves are tested on their own. The deadline
#: leaves room for a loaded test machine: a page of the site is served in milliseconds.
FAST = CrawlSettings(allow_hosts=("127.0.0.1",), rate=200.0, concurrency=4, timeout=2.5, connect_timeout=2.5,
                     max_attempts=3, backoff=0.05)
#: The same options for `fundatlas crawl` in a subprocess.
FAST_OPTIONS = ["--allow-host", "127.0.0.1", "--no-default-hosts", "--rate", "200", "--concurrency", "4",
                "--timeout", "2.5", "--retries", "2", "--backoff", "0.05", "--rows", "1000"]
#: A part of the site (a sitemap of 11 Spanish pages), for tests that need a crawl but not the whole site.
SMALL_START = "/sitemaps/es.xml"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def fast(**changes: Any) -> CrawlSettings:
    return replace(FAST, **changes)


def db_url(path: Path) -> str:
    return f"sqlite:///{path}"


def env_without_proxy() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name not in PROXY_VARIABLES}


@contextmanager
def no_proxy() -> Any:
    saved = {name: os.environ.pop(name) for name in PROXY_VARIABLES if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def bounded(function: Callable[[], T], seconds: float) -> T:
    """Run ``function`` in a thread and fail if it has not returned within ``seconds``: nothing hangs."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = function()
        except BaseException as exc:  # handed to the test
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def rows(path: Path, sql: str, *parameters: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path, timeout=5) as connection:
        return connection.execute(sql, parameters).fetchall()
