"""The search index's added tokens, and snippets.

* Concept tokens (``fundatlas.glossary``): every spelling of a glossary group, alone, inside a
  sentence and with an ending, gives its group's token; text without one gives none.
* Filter tokens and concept tokens change nothing a search finds: a store whose index is marked
  as built with another glossary (searches then look for every spelling, and the filters are SQL
  conditions) finds exactly the same projects, totals and facet counts as the current index.
* Snippets (``query.highlight``): the matched words marked, the text escaped, the passage around them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from backends import databases_for
from hypothesis import given
from hypothesis import strategies as st
from query_helpers import PAGES
from sqlalchemy import update

from fundatlas import glossary
from fundatlas.ingest import ingest, read_inputs
from fundatlas.query import Page, Portfolio, SearchFilters, parse_query
from fundatlas.query.highlight import patterns, snippet
from fundatlas.store import open_store, search
from fundatlas.store.schema import store_settings

QUERIES = json.loads((Path(__file__).resolve().parents[1] / "data" / "search_queries.json").read_text("utf-8"))


def test_every_spelling_gives_its_groups_token_alone_in_a_sentence_and_with_an_ending() -> None:
    for group in glossary.groups():
        for spelling in group.spellings:
            text = " ".join(spelling)
            assert group.token in glossary.concept_tokens(text), text
            assert group.token in glossary.concept_tokens(f"Un projet sur {text}, en 2019."), text
            if len(spelling[-1]) >= glossary.MIN_ENDINGS_LENGTH:
                assert group.token in glossary.concept_tokens(f"{text}s"), text


def test_accents_and_case_do_not_matter_and_unrelated_words_give_no_token() -> None:
    assert glossary.concept_tokens("TRAITE DES ÊTRES HUMAINS") == glossary.concept_tokens("traite des etres humains")
    assert glossary.concept_tokens("lorem ipsum dolor sit amet") == []
    # a word that merely starts like a short spelling ("loi") is not it; a long one takes endings
    assert glossary.concept_tokens("loisirs") == []
    assert glossary.concept_tokens("loi") != []
    assert glossary.concept_tokens("tratados") == glossary.concept_tokens("trata")


@given(st.text(max_size=300))
def test_concept_tokens_never_raise_and_are_concept_tokens(text: str) -> None:
    assert all(token.startswith(glossary.CONCEPT_PREFIX) for token in glossary.concept_tokens(text))


def test_documents_carry_their_tokens_and_display_without_them() -> None:
    row = search.document_row(
        7,
        {"status": "completed", "idf_region": "latin_america_caribbean"},
        [{"lang": "fr", "title": "Lutte contre la traite", "description": "Un projet."}],
        [{"iso3": "GTM", "name": "Guatemala"}],
    )
    assert row["id"] == 7
    assert row["title_fr"].startswith("Lutte contre la traite\n" + glossary.CONCEPT_PREFIX)
    assert search.without_tokens(row["title_fr"]) == "Lutte contre la traite"
    assert search.filter_token("idf_region", "latin_america_caribbean") in row["keywords"].split()
    assert search.filter_token("country", "GTM") in row["keywords"].split()
    assert search.filter_token("lang", "fr") in row["keywords"].split()
    assert row["title_en"] == row["body_es"] == ""
    assert not any(token.startswith(search.filter_token(search.YEAR_KIND, "")) for token in row["keywords"].split())


def test_a_projects_year_is_its_allocation_year_else_its_start_year() -> None:
    def year_tokens(fields: dict[str, object]) -> list[str]:
        keywords = search.document_row(1, fields, [], [])["keywords"].split()
        return [token for token in keywords if token.startswith(search.filter_token(search.YEAR_KIND, ""))]

    assert year_tokens({"year": 2015, "start_year": 2013}) == [search.filter_token(search.YEAR_KIND, "2015")]
    assert year_tokens({"start_year": 2013}) == [search.filter_token(search.YEAR_KIND, "2013")]


# --- the index's tokens change nothing that is found ------------------------------------------------------

FILTERED = [
    SearchFilters(q="migration", idf_region=("africa", "asia_oceania")),
    SearchFilters(q="trafficking", status=("completed",)),
    SearchFilters(q="protection", coverage=("national",), lang=("es",)),
    SearchFilters(q="climate change", country=("FJI", "KIR", "TUV", "VUT")),
    SearchFilters(q="migration -trafficking", project_type=("migration_policy", "counter_trafficking")),
    SearchFilters(q="Fiji OR Tonga", year_from=2010, year_to=2020),
    SearchFilters(q="migration", year_from=2015),
    SearchFilters(q="protection", year_to=2008, status=("completed",)),
    SearchFilters(q="trafficking", year_from=1990, year_to=2004),
    SearchFilters(q="trafficking", year_from=2040),
    SearchFilters(q="frontières", lang=("fr",), has_findings="warning"),
]


@pytest.fixture(scope="module")
def fresh_and_stale(backend: str, tmp_path_factory: pytest.TempPathFactory,
                    request: pytest.FixtureRequest) -> Iterator[tuple[Portfolio, Portfolio]]:
    databases = databases_for(backend, tmp_path_factory.mktemp("index"), request)
    portfolios = []
    for name in ("fresh", "stale"):
        engine = open_store(databases.new(name))
        list(ingest(engine, read_inputs([PAGES])))
        portfolios.append(Portfolio(engine))
    with portfolios[1].engine.begin() as connection:
        connection.execute(update(store_settings).values(value="built-with-another-glossary"))
    yield portfolios[0], portfolios[1]
    for portfolio in portfolios:
        portfolio.engine.dispose()


def test_concept_and_filter_tokens_find_exactly_what_spellings_and_sql_filters_find(
    fresh_and_stale: tuple[Portfolio, Portfolio],
) -> None:
    fresh, stale = fresh_and_stale
    cases = [SearchFilters(q=query["q"]) for query in QUERIES["queries"]] + FILTERED
    found_something = 0
    for filters in cases:
        matched = sorted(fresh.matching_ids(filters))
        assert matched == sorted(stale.matching_ids(filters)), filters
        found_something += bool(matched)
        for sort in ("relevance", "-year", "title"):
            page = Page(sort=sort, per_page=5)
            answers = fresh.search(filters, page), stale.search(filters, page)
            assert answers[0]["total"] == answers[1]["total"] == len(matched)
            if sort != "relevance":  # the ranking formulas see different tokens; orders must agree
                assert [i["id"] for i in answers[0]["items"]] == [i["id"] for i in answers[1]["items"]]
    assert found_something >= len(cases) - 3
    for filters in FILTERED:
        assert fresh.facets(filters) == stale.facets(filters), filters


def test_a_fresh_index_holds_the_year_range_in_the_expression(fresh_and_stale: tuple[Portfolio, Portfolio]) -> None:
    fresh, stale = fresh_and_stale
    filters = SearchFilters(q="migration", year_from=2012, year_to=2013, budget_min=1)
    for portfolio, in_text in ((fresh, True), (stale, False)):
        with portfolio.engine.connect() as connection:
            expression, _, rest = portfolio._expression(connection, filters)
        assert expression is not None
        assert (search.filter_token(search.YEAR_KIND, "2012") in expression) is in_text
        assert (rest.year_from, rest.year_to) == ((None, None) if in_text else (2012, 2013))
        assert rest.budget_min == 1


# --- snippets ---------------------------------------------------------------------------------------


def test_snippet_marks_every_spelling_escapes_and_keeps_the_passage_short() -> None:
    found = patterns(parse_query("trafficking"))
    text = ("<b>Contexte</b> : " + "mot " * 40 + "la traite des êtres humains & le trafic, "
            + "fin " * 40)
    passage = snippet(["", text], found)
    assert passage is not None
    assert "<mark>traite</mark>" in passage and "<b>" not in passage
    assert passage.startswith("…") and passage.endswith("…")
    assert len(re.findall(r"[^\W_]+", re.sub(r"</?mark>", "", passage))) <= 16 + 2


def test_snippet_prefixes_endings_and_no_match() -> None:
    assert "<mark>Zambia</mark>" in (snippet(["Projects in Zambia."], patterns(parse_query("zamb*"))) or "")
    assert "<mark>catastrophes</mark>" in (snippet(["Des catastrophes."], patterns(parse_query("catastrophe"))) or "")
    assert snippet(["Nothing to see."], patterns(parse_query("trafficking"))) is None
    assert snippet(["a b"], patterns(parse_query('"b a"'))) is None
