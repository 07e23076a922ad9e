"""Full-text search over ``search_documents``: SQLite FTS5 here, behind a small interface.

SQLITE-SPECIFIC: the ``search_fts`` FTS5 table (created by migration 0004, kept current by
triggers on ``search_documents``; its rowid is the project's id) and its MATCH syntax live in this
module only. The rest of the query layer sees ``SYNTAX`` (a parsed query written as one MATCH
expression), ``matching(expression)``, ``scored(expression)`` and ``count_matching(...)``.
"""

from __future__ import annotations

from sqlalchemy import Float, Integer, TextClause, TextualSelect, bindparam, text
from sqlalchemy.engine import Connection

from fundatlas.query.terms import Syntax

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


def scored(expression: str, name: str = "rank_expr") -> TextualSelect:
    """``SELECT project, score`` (bm25: lower is better) of the projects whose document matches.

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


def contains(expression: str, name: str) -> TextClause:
    """Whether the project of the enclosing query (``projects.id``) matches ``expression``."""
    return text(
        f"EXISTS (SELECT 1 FROM search_fts WHERE search_fts MATCH :{name} AND search_fts.rowid = projects.id)"
    ).bindparams(bindparam(name, expression))


def seekable(expression: str) -> bool:
    """Whether testing projects one by one with ``contains`` is cheap: not with FTS5, which reads a
    word's whole list again for each project tested (0.1 to 0.5 ms each at 100,000 projects)."""
    return False


def count_matching(connection: Connection, expression: str) -> int:
    """How many projects match ``expression``, before any other filter."""
    return int(
        connection.execute(
            text("SELECT count(*) FROM search_fts WHERE search_fts MATCH :expr"), {"expr": expression}
        ).scalar_one()
    )
