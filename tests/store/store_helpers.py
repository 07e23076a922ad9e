"""Helpers of the store tests (a module of its own, so that no other conftest can shadow it)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from fundatlas.ingest import Outcome, ingest, read_inputs

PAGES = Path(__file__).resolve().parents[2] / "src" / "fundatlas" / "demo" / "pages"
_PLACEHOLDER = re.compile(r"\?")


def rows(engine: Engine, query: str, *args: object) -> list[tuple[Any, ...]]:
    """A plain SQL query (``?`` placeholders), on either database. Booleans come back as 0/1 on
    SQLite and False/True on PostgreSQL, which compare equal."""
    count = iter(range(len(args)))
    named = _PLACEHOLDER.sub(lambda _: f":p{next(count)}", query)
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(named), {f"p{n}": v for n, v in enumerate(args)})]


def raw_dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (SQLite's FTS5 shadow tables and PostgreSQL's tsvector column
    included), times and ids included: equal dumps mean nothing was written."""
    with engine.connect() as connection:
        tables = sorted(inspect(connection).get_table_names())
        return {table: sorted((tuple(row) for row in connection.execute(text(f'SELECT * FROM "{table}"'))), key=repr)
                for table in tables}


def ingest_paths(engine: Engine, *paths: Path, **options: Any) -> list[Outcome]:
    return list(ingest(engine, read_inputs(list(paths), **options)))
