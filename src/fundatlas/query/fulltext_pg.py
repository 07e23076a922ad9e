"""Full-text search over ``search_documents`` on PostgreSQL: the same interface and rules as ``fulltext.py``.

POSTGRESQL-SPECIFIC: the generated ``search_documents.tsv`` column and its GIN index (migration
0004) hold each project's words as FTS5 sees them (accents removed, runs of letters and digits,
lower case, no stemming), weighted A (a title), B (the keywords) and C (a description), with a
separator between the columns. The search syntax becomes a ``tsquery`` with the same meaning as
the FTS5 expression:

* a word is ``'word'``; ``word*`` and a long last word that may take an ending are ``'word':*``;
* a phrase is ``'a' <-> 'b'``: its words follow each other, within one column (the separator);
* spellings (or concept tokens) of a term and terms of a group are ORed (``|``), groups and filter
  tokens ANDed (``&``), exclusions ``& !``.

Ranking follows FTS5's column weights (title 10, keywords 4, body 1, scaled to 1.0, 0.4, 0.1 for
``ts_rank_cd``), with the document's length dampened as bm25 does; lower is better (the rank is
negated), scoring the text query's terms only (not the filter tokens). ``ts_rank`` costs about
half as much per document but agrees less with FTS5 (the same top three on 33 of the 36 test
queries, against 36 of 36). Snippets are made in Python (``highlight.py``), the same on both
databases.

Keeping projects while walking a sort order's index (``walking``) is written so that PostgreSQL's
planner does not turn it into a join of every match followed by a sort: EXISTS per project when few
are walked, else ``(id IN (matches)) IS TRUE``, a hashed subplan.
"""

from __future__ import annotations

from sqlalchemy import Float, Integer, TextClause, TextualSelect, bindparam, text, true
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from fundatlas.query.terms import Syntax
from fundatlas.store.schema import projects

#: Ranking weights, in PostgreSQL's order D, C, B, A: FTS5's body 1, keywords 4, title 10, divided
#: by 10 (D, the column separator, is never matched).
WEIGHTS = "{0.0, 0.1, 0.4, 1.0}"
#: The ranking function, and its normalization: divide by 1 + the logarithm of the document's length.
RANK_FUNCTION = "ts_rank_cd"
NORMALIZATION = 1


def _lexeme(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def _phrase(words: tuple[str, ...], prefix: bool) -> str:
    last = len(words) - 1
    quoted = " <-> ".join(_lexeme(word) + (":*" if prefix and n == last else "") for n, word in enumerate(words))
    return f"({quoted})" if last else quoted


SYNTAX = Syntax(_phrase, either=" | ", both=" & ", but_not=" & !")


def matching(expression: str, name: str) -> TextualSelect:
    """``SELECT project`` of the projects whose document matches ``expression`` (bound as ``:name``)."""
    return (
        # OFFSET 0 keeps the planner from testing documents project by project (a nested loop
        # from an underestimated projects filter): the matching documents come from the GIN index.
        text(f"SELECT m.project FROM (SELECT d.id AS project FROM search_documents d WHERE d.tsv @@ {_query(name)} "
             "OFFSET 0) AS m")
        .bindparams(bindparam(name, expression))
        .columns(project=Integer)
    )


def _query(name: str) -> str:
    """The bound tsquery as a scalar subquery: the planner then estimates how many documents match
    with its default selectivity, which leads it to the GIN index; estimated from the statistics
    (alternatives ORed, prefixes), a long query looks like a fifth of the table, and it would test
    every row instead."""
    return f"(SELECT CAST(:{name} AS tsquery))"


def _rank(query: str) -> str:
    return f"{RANK_FUNCTION}(CAST('{WEIGHTS}' AS real[]), d.tsv, {query}, {NORMALIZATION})"


def scored(expression: str, name: str = "rank_expr", ranked_by: str | None = None) -> TextualSelect:
    """``SELECT project, score`` (lower is better: the rank negated) of the projects whose document
    matches.

    ``ranked_by``: the part of ``expression`` to score (the text query, without the filter tokens:
    a filter keeps projects, it does not order them; and ts_rank_cd's cost grows with the terms it
    scores, twice as slow with a range of years). (Ranking the 200 best by ``ts_rank``, half the
    cost, with ts_rank_cd was tried: on multi-word and country queries the two orders differ too
    much, ts_rank_cd's 20 best can lie 700 deep.)
    """
    scored_by = f"{name}_ranked"
    return (
        text(
            f"SELECT d.id AS project, -{_rank(_query(scored_by))} AS score "
            f"FROM search_documents d WHERE d.tsv @@ {_query(name)}"
        )
        .bindparams(bindparam(name, expression), bindparam(scored_by, ranked_by or expression))
        .columns(project=Integer, score=Float)
    )


#: Test projects one by one in a sort order's index when at most this many would be tested before
#: a page is full (each reads the project's tsvector: about 0.1 ms at 100,000 projects).
MAX_TESTED = 150
#: Above that, and up to this many walked, look each walked project up in a hash of the matches.
MAX_WALKED = 20_000


def walking(expression: str, name: str, walked: float) -> ColumnElement[bool] | TextClause | None:
    """How to keep the matching projects while walking the projects in a sort order's index, when
    ``walked`` projects would be walked; None when sorting the matches is cheaper.

    Few walked: test each one's document (EXISTS). More: ``(id IN (matches)) IS TRUE``, which
    PostgreSQL cannot turn into a join, so it reads the matches once into a hash (a "hashed
    SubPlan") and walks the index, where for ``id IN (...)`` it would join every match to its
    project and sort them all (2-3 times slower with 5,000 matches at 100,000 projects).
    """
    if walked <= MAX_TESTED:
        return text(
            f"EXISTS (SELECT 1 FROM search_documents d WHERE d.id = projects.id AND d.tsv @@ CAST(:{name} AS tsquery))"
        ).bindparams(bindparam(name, expression))
    if walked <= MAX_WALKED:
        return projects.c.id.in_(matching(expression, name)).is_(true())
    return None


def count_matching(connection: Connection, expression: str) -> int:
    """How many projects match ``expression``, before any other filter."""
    return int(
        connection.execute(
            text(f"SELECT count(*) FROM search_documents d WHERE d.tsv @@ {_query('expr')}"), {"expr": expression}
        ).scalar_one()
    )
