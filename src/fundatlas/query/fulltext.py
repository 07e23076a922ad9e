"""Full-text search over ``search_documents``: SQLite FTS5 here, behind a small interface.

SQLITE-SPECIFIC: the ``search_fts`` FTS5 table (created by migration 0004, kept current by
triggers on ``search_documents``; its rowid is the project's id) and its MATCH syntax live in this
module only. The rest of the query layer sees ``SYNTAX`` (a parsed query written as one MATCH
expression), ``matching(expression)``, ``scored(expression)`` and ``count_matching(...)``.
"""

from __future__ import annotations

from sqlalchemy import Float, Integer, TextualSelect, bindparam, text
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from fundatlas.query.terms import Syntax
from fundatlas.store.schema import projects

#: The index's columns (``store.search.COLUMNS``) and their bm25 weights: a title counts ten times
#: a description, the keywords (type, region, countries in three languages) four times.
COLUMN_WEIGHTS = {"title_en": 10.0, "title_fr": 10.0, "title_es": 10.0, "body_en": 1.0, "body_fr": 1.0,
                  "body_es": 1.0, "keywords": 4.0}


def _phrase(words: tuple[str, ...], prefix: bool) -> str:
    quoted = '"' + " ".join(words) + '"'
    return quoted + " *" if prefix else quoted


#: Keeps SQLite from flattening the full-text subquery into its join with ``projects``: flattened, the
#: planner may walk an index of ``projects`` (a region, a status) and run the full-text query once per
#: project; on its own, the query runs once and its matches are joined by id.
_ON_ITS_OWN = "LIMIT -1"

SYNTAX = Syntax(_phrase, either=" OR ", both=" AND ", but_not=" NOT ")


def matching(expression: str, name: str) -> TextualSelect:
    """``SELECT project`` of the projects whose document matches ``expression`` (bound as ``:name``)."""
    return (
        text(f"SELECT rowid AS project FROM search_fts WHERE search_fts MATCH :{name} {_ON_ITS_OWN}")
        .bindparams(bindparam(name, expression))
        .columns(project=Integer)
    )


def scored(expression: str, name: str = "rank_expr", ranked_by: str | None = None) -> TextualSelect:
    """``SELECT project, score`` (bm25: lower is better) of the projects whose document matches.

    ``ranked_by`` (the text query's own part of ``expression``) is not used: bm25 scores every
    phrase of the MATCH expression; filter tokens are in every match once, and shift scores little.

    bm25 is computed for every matching project, before the other filters (see ``_ON_ITS_OWN``);
    the query layer ranks only when at most ``RANK_LIMIT`` projects match.
    """
    weights = ", ".join(str(w) for w in COLUMN_WEIGHTS.values())
    return (
        text(
            f"SELECT rowid AS project, bm25(search_fts, {weights}) AS score FROM search_fts "
            f"WHERE search_fts MATCH :{name} {_ON_ITS_OWN}"
        )
        .bindparams(bindparam(name, expression))
        .columns(project=Integer, score=Float)
    )


#: Walk the sort order's index (rather than sort every match) when at most this many projects would
#: be walked before a page is full.
MAX_WALKED = 20_000


def walking(expression: str, name: str, walked: float) -> ColumnElement[bool] | None:
    """How to keep the matching projects while walking the projects in a sort order's index, when
    ``walked`` projects would be walked; None when sorting the matches is cheaper.

    ``id + 0`` keeps SQLite from reading every match by id and sorting them all (its usual plan
    for ``id IN (...)``): it walks the index and looks each project up among the matches. (Testing
    each project with MATCH and its rowid would read each word's whole list again for each one.)
    """
    if walked > MAX_WALKED:
        return None
    return (projects.c.id + 0).in_(matching(expression, name))


def count_matching(connection: Connection, expression: str) -> int:
    """How many projects match ``expression``, before any other filter."""
    return int(
        connection.execute(
            text("SELECT count(*) FROM search_fts WHERE search_fts MATCH :expr"), {"expr": expression}
        ).scalar_one()
    )
