"""Rendered JSON answers, kept per data version: a repeated request costs a dictionary look-up.

The store's data version (``Portfolio.data_version``) is read again at most once per
``data_version_ttl`` seconds, by one request at a time; when it changes, every entry goes. An answer
computed under an older version is not kept. Each worker process has its own cache.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class AnswerCache:
    """A least-recently-used map of key → JSON bytes, bounded in bytes, emptied when the data changes."""

    def __init__(
        self,
        read_version: Callable[[], str],
        *,
        max_bytes: int,
        max_entry_bytes: int,
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read_version = read_version
        self._max_bytes = max_bytes
        self._max_entry_bytes = max_entry_bytes
        self._ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._version: str | None = None
        self._checked_at = float("-inf")
        self.hits = 0
        self.misses = 0

    @property
    def version(self) -> str | None:
        """The data version the entries belong to (None before the first check)."""
        return self._version

    def claim_refresh(self) -> bool:
        """True (once per ``ttl``) for the caller that should call ``refresh``; others go on at once."""
        now = self._clock()
        with self._lock:
            if now - self._checked_at < self._ttl:
                return False
            self._checked_at = now
            return True

    def refresh(self) -> str:
        """Read the data version (blocking: run it in a thread); a new version empties the cache."""
        version = self._read_version()
        with self._lock:
            if version != self._version:
                self._entries.clear()
                self._size = 0
                self._version = version
        return version

    def invalidate(self) -> None:
        """Forget everything and read the version again on the next request (after a write)."""
        with self._lock:
            self._entries.clear()
            self._size = 0
            self._version = None
            self._checked_at = float("-inf")

    def get(self, key: str) -> bytes | None:
        with self._lock:
            body = self._entries.get(key)
            if body is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return body

    def put(self, key: str, version: str | None, body: bytes) -> None:
        """Keep ``body`` if it was computed under the current version and is not too large."""
        if version is None or len(body) > self._max_entry_bytes:
            return
        with self._lock:
            if version != self._version:
                return
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._size -= len(previous)
            self._entries[key] = body
            self._size += len(body)
            while self._size > self._max_bytes and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped)

    def __len__(self) -> int:
        return len(self._entries)
