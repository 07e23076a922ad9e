"""The store: every page's bytes (snapshots), each source's history, and the merged projects.

    from fundatlas.store import open_store
    engine = open_store("sqlite:///fundatlas.db")   # created and migrated as needed
    engine = open_store("postgresql://user@host/fundatlas")   # a shared server, the same schema

SQLAlchemy Core on any SQLAlchemy URL; SQLite-specific settings live in ``sqlite.py`` only,
PostgreSQL-specific ones (pool, timeouts, the writers' lock) in ``postgres.py``; ``backup.py``
writes and reads the portable archive.
"""

from __future__ import annotations

from fundatlas.store.database import DEFAULT_DB_URL, open_store, resolve_db_url

__all__ = ["DEFAULT_DB_URL", "open_store", "resolve_db_url"]
