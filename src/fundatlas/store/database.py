"""Opening a store: the database URL, the engine, and migrating the schema to the current revision."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from fundatlas.errors import StoreError
from fundatlas.store import sqlite

DEFAULT_DB_URL = "sqlite:///fundatlas.db"
DB_ENV = "FUNDATLAS_DB"


def resolve_db_url(option: str | None = None) -> str:
    """The ``--db`` option, else ``$FUNDATLAS_DB``, else ``sqlite:///fundatlas.db``."""
    return option or os.environ.get(DB_ENV) or DEFAULT_DB_URL


def alembic_config(url: str, connection: Connection | None = None) -> Config:
    """An Alembic configuration built in code: the migrations ship inside the package."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("fundatlas.store").joinpath("migrations")))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def create_store_engine(url: str) -> Engine:
    """An engine for ``url`` (any SQLAlchemy URL); SQLite gets its PRAGMAs (see ``sqlite.py``)."""
    try:
        engine = create_engine(url)
    except (ArgumentError, SQLAlchemyError, ImportError) as exc:
        raise StoreError(f"{url}: not a database URL fundatlas can open ({exc})") from exc
    if sqlite.is_sqlite(url):
        path = sqlite.sqlite_path(url)
        if path is not None and not path.parent.exists():
            raise StoreError(f"{url}: the folder {path.parent} does not exist")
        sqlite.configure(engine)
    return engine


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (nothing to do when it is already there)."""
    url = engine.url.render_as_string(hide_password=False)
    head = head_revision(url)
    with engine.connect() as connection:
        if current_revision(connection) == head:
            return
        command.upgrade(alembic_config(url, connection), "head")
        connection.commit()


def open_store(url: str | None = None) -> Engine:
    """An engine on an up-to-date store, created if need be; raises ``StoreError``."""
    resolved = resolve_db_url(url)
    engine = create_store_engine(resolved)
    try:
        upgrade(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StoreError(f"{resolved}: cannot open or migrate the store ({exc.__class__.__name__}: {exc})") from exc
    return engine


def writing(connection: Connection) -> Connection:
    """Mark ``connection`` as one whose transactions write (on SQLite: ``BEGIN IMMEDIATE``)."""
    return connection.execution_options(**{sqlite.WRITE_INTENT: True})


def database_file(url: str) -> Path | None:
    """The file behind a SQLite URL, for messages."""
    return sqlite.sqlite_path(url) if sqlite.is_sqlite(url) else None
