"""The answer cache: bounded in bytes, emptied when the data version changes, re-checked at most once per TTL."""

from __future__ import annotations

import sys
import types
from importlib.machinery import ModuleSpec

import pytest
from fastapi import FastAPI

from fundatlas.api import create_app
from fundatlas.api._cache import AnswerCache
from fundatlas.query import Portfolio


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def make_cache(versions: list[str], clock: Clock, max_bytes: int = 100) -> AnswerCache:
    return AnswerCache(lambda: versions[-1], max_bytes=max_bytes, max_entry_bytes=40, ttl=1.0, clock=clock)


def test_the_version_is_read_at_most_once_per_ttl_and_a_change_empties_the_cache() -> None:
    versions, clock = ["v1"], Clock()
    cache = make_cache(versions, clock)
    assert cache.claim_refresh() and cache.refresh() == "v1"
    assert not cache.claim_refresh(), "a second request within the TTL does not read the version"
    cache.put("a", "v1", b"answer")
    assert cache.get("a") == b"answer"
    versions.append("v2")
    clock.now = 0.5
    assert not cache.claim_refresh() and cache.get("a") == b"answer"
    clock.now = 1.5
    assert cache.claim_refresh()
    cache.refresh()
    assert cache.get("a") is None and cache.version == "v2"


def test_an_answer_of_an_older_version_or_too_large_is_not_kept() -> None:
    versions, clock = ["v1"], Clock()
    cache = make_cache(versions, clock)
    cache.refresh()
    cache.put("old", "v0", b"stale")
    cache.put("big", "v1", b"x" * 41)
    cache.put("none", None, b"unknown version")
    assert len(cache) == 0


def test_least_recently_used_answers_go_first() -> None:
    cache = make_cache(["v1"], Clock(), max_bytes=100)
    cache.refresh()
    for key in "abc":
        cache.put(key, "v1", b"x" * 40)
    assert cache.get("a") is None and cache.get("b") is not None and cache.get("c") is not None
    cache.get("b")
    cache.put("d", "v1", b"x" * 40)
    assert cache.get("c") is None and cache.get("b") is not None


def test_invalidate_forgets_everything() -> None:
    cache = make_cache(["v1"], Clock())
    cache.refresh()
    cache.put("a", "v1", b"answer")
    cache.invalidate()
    assert cache.get("a") is None and cache.version is None and cache.claim_refresh()


def test_the_dashboard_is_mounted_through_fundatlas_web_mount(demo_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[FastAPI, Portfolio]] = []
    fake = types.ModuleType("fundatlas.web")
    fake.__spec__ = ModuleSpec("fundatlas.web", None)
    fake.mount = lambda app, portfolio: calls.append((app, portfolio))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fundatlas.web", fake)
    app = create_app(demo_db)
    assert len(calls) == 1 and calls[0][0] is app and isinstance(calls[0][1], Portfolio)
    assert not any(getattr(route, "path", None) == "/" for route in app.routes), "/ is left to the dashboard"
    create_app(demo_db, web=False)
    assert len(calls) == 1
