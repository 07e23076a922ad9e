"""Full-text search over ``search_documents`` on PostgreSQL: the same interface and rules as ``fulltext.py``.

POSTGRESQL-SPECIFIC: the generated ``search_documents.tsv`` column and its GIN index (migration
0002) hold each document's words as FTS5 sees them (accents removed, runs of letters and digits,
lower case, no stemming), weighted A (title), B (keywords) and C (body), with a separator between
the columns. The search syntax becomes a ``tsquery`` with the same meaning as the FTS5 expression:

* a word is ``'word'``; ``word*`` and a long last word that may take an ending are ``'word':*``;
* a phrase is ``'a' <-> 'b'``: its words follow each other, within one column (the separator);
* spellings of a term and terms of a group are ORed; groups are ANDed at project level (each group
  is its own ``IN`` subquery, as with FTS5), exclusions are ``NOT IN``.

Ranking follows FTS5's column weights (title 10, keywords 4, body 1, scaled to 1.0, 0.4, 0.1 for
``ts_rank_cd``), with the document's length dampened as bm25 does; a project scores as its best
document, lower is better (the score is negated). Snippets are ``ts_headline`` over the original
texts, with the same markers, escaping and ``<mark>`` as FTS5's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    Select,
    TextualSelect,
    bindparam,
    cast,
    column,
    func,
    literal,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, REAL, TSQUERY
from sqlalchemy.engine import Connection

from fundatlas.query.fulltext import MARK_CLOSE, MARK_OPEN, SNIPPET_TOKENS, marked_html
from fundatlas.query.terms import Syntax

#: Ranking weights, in PostgreSQL's order D, C, B, A: FTS5's body 1, keywords 4, title 10, divided
#: by 10 (D, the column separator, is never matched).
WEIGHTS = "{0.0, 0.1, 0.4, 1.0}"
#: The ranking function, and its normalization: divide by 1 + the logarithm of the document's length.
RANK_FUNCTION = "ts_rank_cd"
NORMALIZATION = 1
#: The text search configuration ts_headline reads the original texts with (simple + unaccent).
HEADLINE_CONFIG = "fundatlas_search"
HEADLINE_OPTIONS = (
    f"StartSel={MARK_OPEN}, StopSel={MARK_CLOSE}, MaxWords={SNIPPET_TOKENS}, MinWords={SNIPPET_TOKENS // 2}, "
    "ShortWord=0, MaxFragments=1, FragmentDelimiter=…"
)


def _lexeme(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def _phrase(words: tuple[str, ...], prefix: bool) -> str:
    last = len(words) - 1
    quoted = " <-> ".join(_lexeme(word) + (":*" if prefix and n == last else "") for n, word in enumerate(words))
    return f"({quoted})" if last else quoted


SYNTAX = Syntax(_phrase, " | ")
term_expression = SYNTAX.term
group_expression = SYNTAX.group
any_expression = SYNTAX.any_of
positive_groups = SYNTAX.positive_groups
negative_terms = SYNTAX.negative_terms


def matching(expression: str, name: str) -> TextualSelect:
    """``SELECT project`` of the documents matching ``expression`` (bound as ``:name``)."""
    return (
        # OFFSET 0 keeps the planner from testing documents project by project (a nested loop
        # from an underestimated projects filter): the matching documents come from the GIN index.
        text(f"SELECT m.project FROM (SELECT d.project FROM search_documents d WHERE d.tsv @@ {_query(name)} "
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


def ranked(expression: str, name: str = "rank_expr") -> TextualSelect:
    """``SELECT project, score`` (lower is better) of the projects whose documents match."""
    return (
        text(
            f"SELECT d.project AS project, min(-{_rank(_query(name))}) AS score "
            f"FROM search_documents d WHERE d.tsv @@ {_query(name)} GROUP BY d.project"
        )
        .bindparams(bindparam(name, expression))
        .columns(project=Integer, score=Float)
    )


def order_by_relevance(base: Select[Any], expression: str, name: str = "rank_expr") -> Select[Any]:
    """The project ids of ``base`` (a ``SELECT projects.id``) ordered by relevance to ``expression``,
    best first. Only the documents of the projects ``base`` keeps are ranked (joining ``ranked``
    would rank every document that matches, whatever the other filters)."""
    documents = table("search_documents", column("project"), column("tsv")).alias("d")
    query = select(cast(bindparam(name, expression), TSQUERY)).scalar_subquery()  # see _query
    weights = cast(literal(WEIGHTS), ARRAY(REAL))
    rank = getattr(func, RANK_FUNCTION)(weights, documents.c.tsv, query, NORMALIZATION, type_=Float)
    kept = base.subquery("kept")
    # OFFSET 0: each document's rank is computed before grouping, so that what is grouped (or
    # sorted) is (project, score) pairs, not the documents' tsvectors.
    ranked_documents = (
        select(documents.c.project.label("project"), (-rank).label("score"))
        .where(documents.c.tsv.op("@@")(query), documents.c.project.in_(select(kept.c.id)))
        .offset(0)
        .subquery("ranked_documents")
    )
    scores = (
        select(ranked_documents.c.project, func.min(ranked_documents.c.score).label("score"))
        .group_by(ranked_documents.c.project)
        .subquery("scores")
    )
    return select(scores.c.project).order_by(scores.c.score, scores.c.project)


def snippets(connection: Connection, project_ids: Sequence[int], expression: str) -> dict[int, str]:
    """For each project, the best-matching passage, HTML-escaped, matched words in ``<mark>``."""
    if not project_ids:
        return {}
    placeholders = ", ".join(str(int(pid)) for pid in project_ids)
    rows = connection.execute(
        text(
            "SELECT d.project, "
            f"ts_headline('{HEADLINE_CONFIG}', d.title, q.query, :options) AS t, "
            f"ts_headline('{HEADLINE_CONFIG}', d.body, q.query, :options) AS b, "
            f"{_rank('q.query')} AS score "
            "FROM search_documents d, CAST(:expr AS tsquery) AS q(query) "
            f"WHERE d.tsv @@ q.query AND d.project IN ({placeholders}) ORDER BY score DESC, d.id"
        ),
        {"expr": expression, "options": HEADLINE_OPTIONS},
    )
    best: dict[int, str] = {}
    for project, title_snippet, body_snippet, _score in rows:
        if project in best:
            continue
        chosen = body_snippet if body_snippet and MARK_OPEN in body_snippet else title_snippet
        if chosen and MARK_OPEN in chosen:
            best[project] = marked_html(chosen)
    return best
