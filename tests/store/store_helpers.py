"""Helpers of the store tests (a module of its own, so that no other conftest can shadow it)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from fundatlas.ingest import Outcome, ingest, read_inputs

PAGES = Path(__file__).resolve().parents[2] / "src" / "fundatlas" / "demo" / "pages"


def db_url(path: Path) -> str:
    return f"sqlite:///{path}"


def raw_dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, times and ids included: equal dumps mean nothing was written."""
    with sqlite3.connect(path) as connection:
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {table: sorted(connection.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
                for table in sorted(tables)}


def ingest_paths(engine: Engine, *paths: Path, **options: Any) -> list[Outcome]:
    return list(ingest(engine, read_inputs(list(paths), **options)))
