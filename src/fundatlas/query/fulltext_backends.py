"""Which full-text implementation a database gets: FTS5 on SQLite (``fulltext.py``), a tsvector
column on PostgreSQL (``fulltext_pg.py``). Both take the same parsed query and follow the same
rules (see the test that compares their results on tests/data/search_queries.json)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import Select, TextualSelect
from sqlalchemy.engine import Connection

from fundatlas.query import fulltext, fulltext_pg
from fundatlas.query.terms import ParsedQuery


class FullText(Protocol):
    """What the query layer needs from a full-text implementation (each is a module)."""

    def any_expression(self, query: ParsedQuery) -> str | None: ...

    def positive_groups(self, query: ParsedQuery) -> list[str]: ...

    def negative_terms(self, query: ParsedQuery) -> list[str]: ...

    def matching(self, expression: str, name: str) -> TextualSelect: ...

    def ranked(self, expression: str, name: str = ...) -> TextualSelect: ...

    def order_by_relevance(self, base: Select[Any], expression: str) -> Select[Any]: ...

    def snippets(self, connection: Connection, project_ids: Sequence[int], expression: str) -> dict[int, str]: ...


def for_dialect(name: str) -> FullText:
    """The implementation for a SQLAlchemy dialect name (``engine.dialect.name``)."""
    return fulltext_pg if name == "postgresql" else fulltext
