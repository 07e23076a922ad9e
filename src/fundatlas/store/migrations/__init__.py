"""Alembic migrations of the store, run in code by ``fundatlas.store.database.upgrade``."""
