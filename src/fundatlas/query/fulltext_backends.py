"""Which full-text implementation a database gets: FTS5 on SQLite (``fulltext.py``), a tsvector
column on PostgreSQL (``fulltext_pg.py``). Both take the same parsed query and follow the same
rules (see the test that compares their results on tests/data/search_queries.json)."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import TextClause, TextualSelect
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from fundatlas.query import fulltext, fulltext_pg
from fundatlas.query.terms import Syntax


class FullText(Protocol):
    """What the query layer needs from a full-text implementation (each is a module)."""

    @property
    def SYNTAX(self) -> Syntax: ...  # noqa: N802 (a module constant)

    def matching(self, expression: str, name: str) -> TextualSelect: ...

    def scored(self, expression: str, name: str = ..., ranked_by: str | None = ...) -> TextualSelect: ...

    def walking(self, expression: str, name: str, walked: float) -> ColumnElement[bool] | TextClause | None: ...

    def count_matching(self, connection: Connection, expression: str) -> int: ...


def for_dialect(name: str) -> FullText:
    """The implementation for a SQLAlchemy dialect name (``engine.dialect.name``)."""
    return fulltext_pg if name == "postgresql" else fulltext
