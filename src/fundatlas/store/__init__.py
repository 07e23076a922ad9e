"""The store: every page's bytes (snapshots), each source's history, and the merged projects.

    from fundatlas.store import open_store
    engine = open_store("sqlite:///fundatlas.db")   # created and migrated as needed

SQLAlchemy Core on any SQLAlchemy URL; SQLite-specific settings live in ``sqlite.py`` only.
"""

from __future__ import annotations

from fundatlas.store.database import DEFAULT_DB_URL, open_store, resolve_db_url

__all__ = ["DEFAULT_DB_URL", "open_store", "resolve_db_url"]
