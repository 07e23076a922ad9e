"""Rendered pages kept per data version: the overview (several statistics queries) is rendered once
per language and store version, not once per visit.

The store's data version (``Portfolio.data_version``) is read again at most once per ``ttl``
seconds; when it changes, every page goes. Each worker process has its own cache.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

__all__ = ["PageCache"]


class PageCache:
    """A small least-recently-used map of key -> rendered HTML, emptied when the data changes."""

    def __init__(
        self,
        read_version: Callable[[], str],
        *,
        max_entries: int = 64,
        ttl: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read_version = read_version
        self._max_entries = max_entries
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._pages: OrderedDict[Hashable, str] = OrderedDict()
        self._version: str | None = None
        self._checked_at = float("-inf")

    def _current_version(self) -> str:
        now = self._clock()
        with self._lock:
            if now - self._checked_at < self._ttl and self._version is not None:
                return self._version
        version = self._read_version()
        with self._lock:
            self._checked_at = now
            if version != self._version:
                self._pages.clear()
                self._version = version
        return version

    def page(self, key: Hashable, render: Callable[[], str]) -> str:
        """The page cached under ``key`` for the current data version, rendering it if needed."""
        version = self._current_version()
        with self._lock:
            cached = self._pages.get(key)
            if cached is not None:
                self._pages.move_to_end(key)
                return cached
        html = render()
        with self._lock:
            if version == self._version:
                self._pages[key] = html
                while len(self._pages) > self._max_entries:
                    self._pages.popitem(last=False)
        return html

    def __len__(self) -> int:
        return len(self._pages)
