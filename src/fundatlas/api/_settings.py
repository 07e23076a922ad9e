"""What a server is started with: the store, the admin token and the limits on what a request may ask."""

from __future__ import annotations

import os
from dataclasses import dataclass

from fundatlas.store.database import DB_ENV

#: The environment variable ``fundatlas serve`` reads the admin token from (and hands to its workers).
ADMIN_TOKEN_ENV = "FUNDATLAS_ADMIN_TOKEN"


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on one request and on the server's caches."""

    #: ``POST /api/ingest``: at most this many pages per request (100 at most: the OpenAPI schema's bound) …
    ingest_max_pages: int = 100
    #: … and at most this many bytes of request body (checked before the body is read).
    ingest_max_bytes: int = 10 * 1024 * 1024
    #: Rendered JSON answers kept in memory per process (bytes, least recently used out first).
    cache_max_bytes: int = 64 * 1024 * 1024
    #: One answer larger than this is never cached (a country with thousands of projects, say).
    cache_max_entry_bytes: int = 1024 * 1024
    #: How often (seconds) the store's data version is read again; a change empties the cache.
    data_version_ttl: float = 1.0
    #: A request's queries are stopped after this many seconds (SQLite; 0: no limit) and answered 503.
    statement_timeout_s: float = 10.0


@dataclass(frozen=True, slots=True)
class Settings:
    """A server's configuration; ``from_env`` is what ``fundatlas serve --workers N`` hands each worker."""

    db: str | None = None
    admin_token: str | None = None
    limits: Limits = Limits()

    @property
    def read_only(self) -> bool:
        return not self.admin_token

    @classmethod
    def from_env(cls) -> Settings:
        return cls(db=os.environ.get(DB_ENV) or None, admin_token=os.environ.get(ADMIN_TOKEN_ENV) or None)
