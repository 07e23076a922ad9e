"""SQLite FTS5 and PostgreSQL's tsvector search give the same answers to the test queries.

Both stores hold the bundled pages. For each of the queries of tests/data/search_queries.json:

* matching: both find exactly the same projects (the syntax means the same on both);
* ranking: the first three projects are the same set on both, where a project may stand in for
  another that FTS5 scores within ``NEAR_TIE`` of the third (bm25 and ts_rank_cd are different
  formulas: near ties may fall either way). The first result is compared the same way.

The figures are printed (``pytest -s``) and the agreement must reach ``MIN_AGREEMENT``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from query_helpers import demo_url
from sqlalchemy import select

from fundatlas.query import Page, Portfolio, SearchFilters, parse_query
from fundatlas.query.fulltext_backends import for_dialect
from fundatlas.store.schema import projects

QUERIES = json.loads((Path(__file__).resolve().parents[1] / "data" / "search_queries.json").read_text("utf-8"))
#: FTS5 scores this close (relative) to the one at the cut-off count as ties.
NEAR_TIE = 0.05
#: Share of the queries whose first three (and first) results must agree.
MIN_AGREEMENT = 0.85
MARKED = re.compile(r"<mark>(.*?)</mark>")


def _scores(portfolio: Portfolio, q: str) -> dict[str, float]:
    """project ID -> the search's relevance score (lower is better) for every matching project."""
    fulltext = for_dialect(portfolio.engine.dialect.name)
    expression = fulltext.SYNTAX.matching(parse_query(q))
    assert expression is not None
    ranked = fulltext.scored(expression).subquery()
    with portfolio.engine.connect() as connection:
        return {str(pid): float(score) for pid, score in connection.execute(
            select(projects.c.project_id, ranked.c.score).join(ranked, ranked.c.project == projects.c.id))}


def _agree(fts5: list[str], other: list[str], fts5_scores: dict[str, float]) -> bool:
    """Whether two top-n lists hold the same projects, near ties (by FTS5's scores) allowed to differ."""
    if set(fts5) == set(other):
        return True
    cut = fts5_scores[fts5[-1]]
    differing = set(fts5) ^ set(other)
    return all(abs(fts5_scores[pid] - cut) <= NEAR_TIE * abs(cut) for pid in differing if pid in fts5_scores)


@pytest.fixture(scope="module")
def both(demo_urls: dict[str, str], tmp_path_factory: pytest.TempPathFactory,
         request: pytest.FixtureRequest) -> dict[str, Portfolio]:
    return {backend: Portfolio(demo_url(backend, demo_urls, tmp_path_factory, request))
            for backend in ("sqlite", "postgresql")}


def test_both_databases_match_the_same_projects_and_rank_the_same_first(both: dict[str, Portfolio]) -> None:
    sqlite, postgresql = both["sqlite"], both["postgresql"]
    queries = QUERIES["queries"]
    top3 = top1 = 0
    recall = {"sqlite": 0.0, "postgresql": 0.0}
    differences = []
    for query in queries:
        q = query["q"]
        assert sorted(sqlite.matching_ids(SearchFilters(q=q))) == sorted(postgresql.matching_ids(SearchFilters(q=q)))
        found = {name: [item["project_id"] for item in portfolio.search(SearchFilters(q=q), Page(per_page=10))["items"]]
                 for name, portfolio in both.items()}
        for name in recall:
            recall[name] += sum(pid in found[name] for pid in query["find"]) / len(query["find"]) / len(queries)
        scores = _scores(sqlite, q)
        top3 += _agree(found["sqlite"][:3], found["postgresql"][:3], scores)
        top1 += _agree(found["sqlite"][:1], found["postgresql"][:1], scores)
        if set(found["sqlite"][:3]) != set(found["postgresql"][:3]):
            differences.append((q, found["sqlite"][:3], found["postgresql"][:3]))
    print(f"\n{len(queries)} queries: recall@10 SQLite {recall['sqlite']:.3f}, PostgreSQL {recall['postgresql']:.3f}; "
          f"top-3 agree {top3}/{len(queries)}, top-1 agree {top1}/{len(queries)} (near ties allowed); "
          f"top-3 sets differ on {differences}")
    assert recall["sqlite"] >= 0.9 and recall["postgresql"] >= 0.9
    assert top3 >= MIN_AGREEMENT * len(queries)
    assert top1 >= MIN_AGREEMENT * len(queries)


def test_snippets_mark_the_same_words_on_both(both: dict[str, Portfolio]) -> None:
    for q in ("protección social", "trafficking", '"climate change"', "zamb*"):
        marked = {}
        for name, portfolio in both.items():
            items = portfolio.search(SearchFilters(q=q), Page(per_page=5))["items"]
            assert items and all(item["snippet"] and "<mark>" in item["snippet"] for item in items), (name, q)
            marked[name] = {word.lower() for item in items for word in MARKED.findall(item["snippet"])}
        assert marked["sqlite"] & marked["postgresql"], q
