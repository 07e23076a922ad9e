"""Opening a store: the database URL, the engine, and migrating the schema to the current revision.

Any SQLAlchemy URL; SQLite (the default, one file) and PostgreSQL (a shared server) are tested.
What only one of them needs lives in ``sqlite.py`` or ``postgres.py``.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from fundatlas.errors import StoreError
from fundatlas.store import postgres, sqlite
from fundatlas.store.schema import metadata

DEFAULT_DB_URL = "sqlite:///fundatlas.db"
DB_ENV = "FUNDATLAS_DB"


def resolve_db_url(option: str | None = None) -> str:
    """The ``--db`` option, else ``$FUNDATLAS_DB``, else ``sqlite:///fundatlas.db``."""
    return option or os.environ.get(DB_ENV) or DEFAULT_DB_URL


def display_url(url: str) -> str:
    """``url`` for messages: the password, if any, replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def alembic_config(url: str, connection: Connection | None = None) -> Config:
    """An Alembic configuration built in code: the migrations ship inside the package."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("fundatlas.store").joinpath("migrations")))
    config.set_main_option("sqlalchemy.url", postgres.normalize_url(url).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def create_store_engine(url: str) -> Engine:
    """An engine for ``url`` (any SQLAlchemy URL); SQLite gets its PRAGMAs (see ``sqlite.py``),
    PostgreSQL its pool settings and writers' lock (see ``postgres.py``)."""
    url = postgres.normalize_url(url)
    is_postgresql = postgres.is_postgresql(url)
    try:
        engine = create_engine(url, **(postgres.engine_options() if is_postgresql else {}))
    except (ArgumentError, SQLAlchemyError, ImportError) as exc:
        raise StoreError(f"{display_url(url)}: not a database URL fundatlas can open ({exc})") from exc
    if is_postgresql:
        postgres.configure(engine)
    elif sqlite.is_sqlite(url):
        path = sqlite.sqlite_path(url)
        if path is not None and not path.parent.exists():
            raise StoreError(f"{url}: the folder {path.parent} does not exist")
        sqlite.configure(engine)
    return engine


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to the newest migration, or to ``revision`` (nothing to do when it is there).

    A migration is a writer like any other (``writing``): processes that open a new or old store
    at the same moment take turns, and the ones after the first find nothing left to do."""
    url = engine.url.render_as_string(hide_password=False)
    target = head_revision(url) if revision == "head" else revision
    with engine.connect() as connection:
        if current_revision(connection) == target:
            return
    with engine.connect() as connection:
        writing(connection)
        if current_revision(connection) != target:
            command.upgrade(alembic_config(url, connection), revision)
        connection.commit()


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    """Where a database's schema stands: its Alembic revision and the newest one this code has."""

    current: str | None
    head: str | None

    @property
    def is_head(self) -> bool:
        return self.current == self.head


def schema_status(engine: Engine) -> SchemaStatus:
    """The revision of the database behind ``engine`` (None: not a fundatlas store yet), migrating nothing."""
    head = head_revision(engine.url.render_as_string(hide_password=False))
    with engine.connect() as connection:
        return SchemaStatus(current_revision(connection), head)


def health(engine: Engine) -> dict[str, object]:
    """``{"ok", "database", "revision", "head"}``: whether the database answers and is up to date
    (for a health endpoint); never raises."""
    try:
        status = schema_status(engine)
    except SQLAlchemyError as exc:
        return {"ok": False, "database": engine.dialect.name, "error": f"{type(exc).__name__}: {exc}".strip()}
    return {"ok": status.is_head, "database": engine.dialect.name, "revision": status.current,
            "head": status.head}


def open_store(url: str | None = None) -> Engine:
    """An engine on an up-to-date store, created if need be; raises ``StoreError``."""
    resolved = resolve_db_url(url)
    engine = create_store_engine(resolved)
    try:
        upgrade(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StoreError(f"{display_url(resolved)}: cannot open or migrate the store "
                         f"({exc.__class__.__name__}: {exc})") from exc
    return engine


def writing(connection: Connection) -> Connection:
    """Mark ``connection`` as one whose transactions write: writers take turns, a transaction at a
    time (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: an advisory lock, see ``postgres.py``)."""
    return connection.execution_options(**{sqlite.WRITE_INTENT: True})


def is_retryable(error: BaseException) -> bool:
    """Whether ``error`` is a serialization failure or a deadlock, after which a transaction can
    simply run again."""
    original = error.orig if isinstance(error, DBAPIError) else error
    return getattr(original, "sqlstate", None) in postgres.RETRYABLE_SQLSTATES


T = TypeVar("T")
RETRY_ATTEMPTS = 5
RETRY_DELAY_S = 0.05


def retrying(work: Callable[[], T], *, attempts: int = RETRY_ATTEMPTS, delay: float = RETRY_DELAY_S) -> T:
    """Run ``work`` (one transaction, or a SAVEPOINT, that it opens itself) again after a serialization
    failure or a deadlock, up to ``attempts`` times with a growing, jittered pause; other errors,
    and the last one, are raised."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except DBAPIError as exc:
            if attempt == attempts or not is_retryable(exc):
                raise
            time.sleep(delay * 2 ** (attempt - 1) * (1 + random.random()))
    raise AssertionError("unreachable")  # pragma: no cover


def integrity_check(connection: Connection) -> list[str]:
    """``["ok"]`` when the database is sound (SQLite: ``PRAGMA integrity_check`` and foreign keys;
    PostgreSQL: validated constraints, no row pointing at a missing parent); else the problems."""
    if connection.dialect.name == "postgresql":
        return postgres.integrity_check(connection, metadata.sorted_tables)
    return sqlite.integrity_check(connection)


def database_file(url: str) -> Path | None:
    """The file behind a SQLite URL, for messages."""
    return sqlite.sqlite_path(url) if sqlite.is_sqlite(url) else None
