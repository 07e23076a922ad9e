"""The query layer on a real SQLite store built by ingesting the bundled pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fundatlas.query import NotFound, Page, Portfolio, QueryError, SearchFilters, parse_query

QUERIES = json.loads((Path(__file__).resolve().parents[1] / "data" / "search_queries.json").read_text("utf-8"))


def ids(result: dict[str, object]) -> list[str]:
    return [item["project_id"] for item in result["items"]]  # type: ignore[index, union-attr]


def test_cross_language_recall_at_10(portfolio: Portfolio) -> None:
    queries = QUERIES["queries"]
    assert len(queries) >= 30
    recalls = []
    for query in queries:
        found = ids(portfolio.search(SearchFilters(q=query["q"]), Page(per_page=10)))
        recalls.append(sum(pid in found for pid in query["find"]) / len(query["find"]))
    misses = [(q["q"], r) for q, r in zip(queries, recalls, strict=True) if r < 1]
    assert sum(recalls) / len(recalls) >= 0.9, misses


def test_trafficking_traite_and_trata_find_the_same_projects(portfolio: Portfolio) -> None:
    results = [set(ids(portfolio.search(SearchFilters(q=q)))) for q in ("trafficking", "traite", "trata")]
    assert results[0] == results[1] == results[2]
    assert {"CT.0985", "PX.0012"} <= results[0]


def test_accents_case_prefix_and_phrases(portfolio: Portfolio) -> None:
    assert set(ids(portfolio.search(SearchFilters(q="PROTECCION SOCIAL")))) == {"IS.0133", "PX.0339"}
    assert "PR.0216" in ids(portfolio.search(SearchFilters(q="zamb*")))
    phrase = ids(portfolio.search(SearchFilters(q='"protection sociale"')))
    assert set(phrase) == {"IS.0133", "PX.0339"}
    assert ids(portfolio.search(SearchFilters(q='"sociale protection"'))) == []


def test_exclusion_and_or(portfolio: Portfolio) -> None:
    climate = set(ids(portfolio.search(SearchFilters(q="climate change"), Page(per_page=100))))
    without = set(ids(portfolio.search(SearchFilters(q="climate change -Madagascar"), Page(per_page=100))))
    assert "NC.0131" in climate and "NC.0131" not in without and without < climate
    either = set(ids(portfolio.search(SearchFilters(q="Comoros OR Mauritania"), Page(per_page=100))))
    assert {"CE.0388", "IB.0094", "IS.0133", "CE.0301"} <= either


def test_snippets_mark_the_matched_words_and_escape_the_text(portfolio: Portfolio) -> None:
    result = portfolio.search(SearchFilters(q="protection sociale"))
    snippets = [item["snippet"] for item in result["items"]]
    assert all(s and "<mark>" in s for s in snippets)
    assert all("<script" not in s for s in snippets)


def test_filters_sort_and_pages(portfolio: Portfolio) -> None:
    everything = portfolio.search(SearchFilters(), Page(per_page=100))
    assert everything["total"] == 63 == len(everything["items"])
    africa = portfolio.search(SearchFilters(idf_region=("africa",), status=("active",)), Page(sort="-budget"))
    budgets = [item["budget_usd"] for item in africa["items"]]
    assert africa["total"] == len(budgets) > 0 and budgets == sorted(budgets, reverse=True)
    assert all(item["idf_region"] == "africa" and item["status"] == "active" for item in africa["items"])
    fiji = portfolio.search(SearchFilters(country=("fji",)))
    assert set(ids(fiji)) == {"PX.0220", "LM.0485"}
    recent = portfolio.search(SearchFilters(year_from=2022, budget_min=300000), Page(per_page=100))
    assert all((i["year"] or i["start_year"]) >= 2022 and i["budget_usd"] >= 300000 for i in recent["items"])
    first, second = (portfolio.search(SearchFilters(), Page(sort="project_id", page=n, per_page=10)) for n in (1, 2))
    assert first["total"] == second["total"] and not set(ids(first)) & set(ids(second))
    assert ids(first) == sorted(ids(first))
    flagged = portfolio.search(SearchFilters(has_findings="warning"), Page(per_page=100))
    assert flagged["total"] > 0 and all(item["findings"].get("warning") for item in flagged["items"])


def test_facets_count_each_value_under_the_other_filters(portfolio: Portfolio) -> None:
    filters = SearchFilters(idf_region=("africa",))
    facets = portfolio.facets(filters)
    regions = {entry["value"]: entry["count"] for entry in facets["idf_region"]}
    assert regions["africa"] == portfolio.search(filters)["total"]
    assert regions["asia_oceania"] > 0  # the region facet ignores the region filter itself
    statuses = {entry["value"]: entry["count"] for entry in facets["status"]}
    assert sum(statuses.values()) == regions["africa"]
    assert {entry["value"] for entry in facets["has_findings"]} == {"error", "warning", "info", "none"}


def test_stats_and_totals(portfolio: Portfolio) -> None:
    totals = portfolio.totals()
    assert totals["projects"] == 63 and totals["countries"] > 50
    by_region = portfolio.stats("idf_region")
    assert sum(row["projects"] for row in by_region) == 63
    assert sum(row["usd"] for row in by_region) == pytest.approx(totals["usd"])
    by_country = portfolio.stats("country")
    assert sum(row["usd_share"] for row in by_country) == pytest.approx(
        sum(
            i["budget_usd"] or 0
            for i in portfolio.search(SearchFilters(), Page(per_page=100))["items"]
            if i["countries"]
        )
    )
    with pytest.raises(QueryError):
        portfolio.stats("colour")


def test_one_project_in_every_language(portfolio: Portfolio) -> None:
    project = portfolio.project("PO.0196")
    assert project["languages"] == ["en", "fr"] and set(project["texts"]) == {"en", "fr"}
    assert project["texts"]["fr"]["title"].startswith("Aide technique")
    assert [b["iso3"] for b in project["beneficiaries"]] == ["FSM"]
    assert len(project["sources"]) == 2 and all(s["snapshot_sha256"] for s in project["sources"])
    assert portfolio.project(project["id"])["key"] == project["key"]
    with pytest.raises(NotFound):
        portfolio.project("XX.9999")


def test_one_country(portfolio: Portfolio) -> None:
    fiji = portfolio.country("fji")
    assert fiji["iso3"] == "FJI" and fiji["projects"] == 2 and fiji["names"]["fr"] == "Fidji"
    assert fiji["usd"] == 800000.0 and sum(year["projects"] for year in fiji["by_year"]) == 2
    with pytest.raises(NotFound):
        portfolio.country("ATA")


def test_findings_by_rule(portfolio: Portfolio) -> None:
    warnings = portfolio.findings(severity="warning")
    assert warnings["total"] > 0 and all(item["severity"] == "warning" for item in warnings["items"])
    assert all(entry["severity"] == "warning" for entry in warnings["by_rule"])


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"idf_region": ("mars",)}, "idf_region"),
        ({"country": ("FJ",)}, "alpha-3"),
        ({"year_from": 2020, "year_to": 2010}, "year_from"),
        ({"budget_min": -1.0}, "negative"),
        ({"q": "x" * 501}, "at most 500"),
        ({"has_findings": "maybe"}, "has_findings"),
    ],
)
def test_bad_filters_say_what_to_change(filters: dict[str, object], message: str) -> None:
    with pytest.raises(QueryError, match=message):
        SearchFilters(**filters)  # type: ignore[arg-type]


def test_bad_pages_and_queries() -> None:
    with pytest.raises(QueryError, match="per_page"):
        Page(per_page=1000)
    with pytest.raises(QueryError, match="sort"):
        Page(sort="colour")
    with pytest.raises(QueryError, match="only exclude"):
        parse_query("-mali")


def test_query_syntax_is_never_passed_raw_to_the_engine(portfolio: Portfolio) -> None:
    for query in ['"', "NEAR(", "a AND", "title:x", "^x", "OR", "*", "-", "(((", 'x" OR "y']:
        portfolio.search(SearchFilters(q=query))  # no error from FTS5's own syntax


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=120))
def test_any_query_text_either_searches_or_says_why(portfolio: Portfolio, query: str) -> None:
    try:
        result = portfolio.search(SearchFilters(q=query), Page(per_page=5))
    except QueryError as error:
        assert str(error)
    else:
        assert result["total"] >= len(result["items"])


@pytest.mark.parametrize("strategy", ["sort the matches", "walk the index", "test each walked project"])
def test_every_way_of_paging_a_text_query_gives_the_same_page(
    portfolio: Portfolio, monkeypatch: pytest.MonkeyPatch, strategy: str
) -> None:
    """A text query sorted by a column walks that column's index or sorts its matches, by how many
    projects would be walked (``walking``); each way gives the same pages and totals."""
    cases = [
        (SearchFilters(q="migration"), Page(sort="-year")),
        (SearchFilters(q="migration"), Page(sort="budget", page=2, per_page=5)),
        (SearchFilters(q="protection", status=("completed",)), Page(sort="project_id")),
        (SearchFilters(q="trafficking OR border"), Page(sort="-budget", per_page=7)),
        (SearchFilters(q="migration", year_from=2019, year_to=2021), Page(sort="year")),
        (SearchFilters(q="climate change"), Page(sort="title")),
    ]
    expected = []
    with monkeypatch.context() as patched:  # the reference: always sort every match
        patched.setattr(portfolio._fulltext, "walking", lambda expression, name, walked: None)
        expected = [portfolio.search(filters, page) for filters, page in cases]
    limits = {"sort the matches": (-1, -1), "walk the index": (-1, 10**9), "test each walked project": (10**9, 10**9)}
    tested, walked = limits[strategy]
    if hasattr(portfolio._fulltext, "MAX_TESTED"):  # PostgreSQL: EXISTS, then a hashed subplan
        monkeypatch.setattr(portfolio._fulltext, "MAX_TESTED", tested)
        monkeypatch.setattr(portfolio._fulltext, "MAX_WALKED", walked)
    else:  # SQLite: id + 0 IN (matches)
        monkeypatch.setattr(portfolio._fulltext, "MAX_WALKED", max(tested, walked))
    for (filters, page), reference in zip(cases, expected, strict=True):
        answer = portfolio.search(filters, page)
        assert answer["total"] == reference["total"] > 0, (filters, page)
        assert [item["id"] for item in answer["items"]] == [item["id"] for item in reference["items"]], (filters, page)
