"""Getting answers out of a store: search (full text, across languages), facets, statistics.

``Portfolio`` is the one object the CLI, the REST API and the web pages use.
"""

from __future__ import annotations

from fundatlas.query.filters import FACETS, SORTS, Page, SearchFilters
from fundatlas.query.portfolio import STAT_DIMENSIONS, NotFound, Portfolio
from fundatlas.query.terms import QueryError, parse_query

__all__ = [
    "FACETS",
    "SORTS",
    "STAT_DIMENSIONS",
    "NotFound",
    "Page",
    "Portfolio",
    "QueryError",
    "SearchFilters",
    "parse_query",
]
