"""Full-text search over ``search_documents``: SQLite FTS5 here, behind a small interface.

SQLITE-SPECIFIC: the ``search_fts`` FTS5 table (created by migration 0002, kept current by
triggers on ``search_documents``) and its MATCH syntax live in this module only. The rest of the
query layer sees ``matching(expression)``, ``ranked(expression)``, ``order_by_relevance(...)`` and
``snippets(...)``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Float, Integer, Select, TextualSelect, bindparam, text
from sqlalchemy.engine import Connection

from fundatlas.query.terms import Syntax
from fundatlas.store.schema import projects

#: Column weights for bm25: title, body, keywords.
WEIGHTS = (10.0, 1.0, 4.0)
MARK_OPEN, MARK_CLOSE = "\x02", "\x03"
SNIPPET_TOKENS = 16




def _phrase(words: tuple[str, ...], prefix: bool) -> str:
    quoted = '"' + " ".join(words) + '"'
    return quoted + " *" if prefix else quoted


SYNTAX = Syntax(_phrase, " OR ")
term_expression = SYNTAX.term
group_expression = SYNTAX.group
any_expression = SYNTAX.any_of
positive_groups = SYNTAX.positive_groups
negative_terms = SYNTAX.negative_terms


def matching(expression: str, name: str) -> TextualSelect:
    """``SELECT project`` of the documents matching ``expression`` (bound as ``:name``)."""
    return (
        text(
            "SELECT d.project FROM search_fts JOIN search_documents d ON d.id = search_fts.rowid "
            f"WHERE search_fts MATCH :{name}"
        )
        .bindparams(bindparam(name, expression))
        .columns(project=Integer)
    )


def ranked(expression: str, name: str = "rank_expr") -> TextualSelect:
    """``SELECT project, score`` (lower is better) of the projects whose documents match."""
    weights = ", ".join(str(w) for w in WEIGHTS)
    return (
        text(
            "SELECT d.project AS project, min(hit.score) AS score FROM ("
            f"SELECT rowid AS id, bm25(search_fts, {weights}) AS score FROM search_fts "
            f"WHERE search_fts MATCH :{name} LIMIT -1"  # LIMIT: keeps SQLite from flattening bm25 away
            ") AS hit JOIN search_documents d ON d.id = hit.id GROUP BY d.project"
        )
        .bindparams(bindparam(name, expression))
        .columns(project=Integer, score=Float)
    )


def order_by_relevance(base: Select[Any], expression: str) -> Select[Any]:
    """``base`` (a ``SELECT projects.id``) ordered by relevance to ``expression``, best first."""
    scores = ranked(expression).subquery()
    return base.join(scores, scores.c.project == projects.c.id).order_by(scores.c.score, projects.c.id)


def snippets(connection: Connection, project_ids: Sequence[int], expression: str) -> dict[int, str]:
    """For each project, the best-matching passage, HTML-escaped, matched words in ``<mark>``."""
    if not project_ids:
        return {}
    placeholders = ", ".join(str(int(pid)) for pid in project_ids)
    weights = ", ".join(str(w) for w in WEIGHTS)
    rows = connection.execute(
        text(
            "SELECT d.project, "
            f"snippet(search_fts, 0, :open, :close, '…', {SNIPPET_TOKENS}) AS t, "
            f"snippet(search_fts, 1, :open, :close, '…', {SNIPPET_TOKENS}) AS b, "
            f"bm25(search_fts, {weights}) AS score "
            "FROM search_fts JOIN search_documents d ON d.id = search_fts.rowid "
            f"WHERE search_fts MATCH :expr AND d.project IN ({placeholders}) ORDER BY score"
        ),
        {"expr": expression, "open": MARK_OPEN, "close": MARK_CLOSE},
    )
    best: dict[int, str] = {}
    for project, title_snippet, body_snippet, _score in rows:
        if project in best:
            continue
        chosen = body_snippet if body_snippet and MARK_OPEN in body_snippet else title_snippet
        if chosen and MARK_OPEN in chosen:
            best[project] = marked_html(chosen)
    return best


def marked_html(snippet: str) -> str:
    """Escape a snippet for HTML, then turn the match markers into ``<mark>`` tags."""
    return html.escape(snippet).replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>")
