"""The dashboard's pure pieces: URL state, languages, the page cache, map keys."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fundatlas.query import Page, QueryError, SearchFilters
from fundatlas.query.filters import COVERAGES, REGIONS, SORTS, STATUSES
from fundatlas.web.cache import PageCache
from fundatlas.web.charts import map_key, stacked_years
from fundatlas.web.i18n import Translator, negotiate, pick_text
from fundatlas.web.state import BrowseState, parse_state, url

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéñç ", min_size=1, max_size=30).filter(lambda s: s.strip())


@st.composite
def states(draw: st.DrawFn) -> BrowseState:
    year_from = draw(st.none() | st.integers(1990, 2030))
    year_to = draw(st.none() | st.integers(year_from or 1990, 2030))
    budget_min = draw(st.none() | st.integers(0, 500_000).map(float))
    budget_max = draw(st.none() | st.integers(int(budget_min or 0), 1_000_000).map(float))
    filters = SearchFilters(
        q=draw(st.none() | words.map(str.strip)),
        idf_region=tuple(draw(st.lists(st.sampled_from(REGIONS), unique=True, max_size=3))),
        project_type=tuple(draw(st.lists(st.sampled_from(["labour_migration", "tcmmcb"]), unique=True))),
        status=tuple(draw(st.lists(st.sampled_from(STATUSES), unique=True))),
        coverage=tuple(draw(st.lists(st.sampled_from(COVERAGES), unique=True))),
        country=tuple(draw(st.lists(st.sampled_from(["FJI", "MRT", "COL"]), unique=True))),
        year_from=year_from,
        year_to=year_to,
        budget_min=budget_min,
        budget_max=budget_max,
        has_findings=draw(st.none() | st.sampled_from(["any", "none", "error", "warning", "info"])),
    )
    sorts = [s for s in SORTS if filters.q or s != "relevance"]
    page = Page(sort=draw(st.sampled_from(sorts)), page=draw(st.integers(1, 50)), per_page=draw(st.integers(1, 100)))
    return BrowseState(filters, page)


@given(states())
def test_a_state_survives_its_own_url(state: BrowseState) -> None:
    link = url("/projects", state.params(), "fr")
    params = parse_qsl(urlsplit(link).query)
    assert ("lang", "fr") in params
    assert parse_state(params) == state


@given(states(), st.sampled_from([("idf_region", "africa"), ("status", "active"), ("coverage", "regional"),
                                  ("country", "FJI")]))
def test_toggling_a_facet_value_twice_gives_back_the_filters(state: BrowseState, choice: tuple[str, str]) -> None:
    facet, value = choice
    once = state.toggled(facet, value)
    assert once.page.page == 1
    assert once.selected(facet, value) != state.selected(facet, value)
    twice = once.toggled(facet, value).filters
    assert set(getattr(twice, facet)) == set(getattr(state.filters, facet))
    cleared: dict[str, Any] = {facet: ()}
    assert replace(twice, **cleared) == replace(state.filters, **cleared)


@given(states(), st.integers(1990, 2030))
def test_a_year_facet_selects_that_year_and_unselects_it(state: BrowseState, year: int) -> None:
    chosen = state.toggled("year", year)
    was = state.selected("year", year)
    assert chosen.selected("year", year) != was
    assert (chosen.filters.year_from, chosen.filters.year_to) == ((None, None) if was else (year, year))
    assert chosen.toggled("year", year).selected("year", year) == was


def test_parse_state_defaults_and_errors() -> None:
    assert parse_state([]) == BrowseState(SearchFilters(), Page(sort="-year"))
    assert parse_state([("q", "traite")]).page.sort == "relevance"
    assert parse_state([("idf_region", "africa,asia_oceania"), ("idf_region", "africa")]).filters.idf_region == (
        "africa",
        "asia_oceania",
    )
    for bad in ([("year_from", "abc")], [("page", "0")], [("sort", "nope")], [("status", "x")], [("country", "F")]):
        with pytest.raises(QueryError):
            parse_state(bad)


def test_languages() -> None:
    assert negotiate("es", "fr") == "es"
    assert negotiate(None, "de-DE, es;q=0.8, fr;q=0.9") == "fr"
    assert negotiate("xx", "fr;q=0") == "en"
    assert pick_text({"fr": "Titre", "en": "Title"}, "en") == ("Title", "en")
    assert pick_text({"fr": "Titre", "en": None}, "en") == ("Titre", "fr")
    assert pick_text({"es": "Título"}, "en", ["es"]) == ("Título", "es")
    assert pick_text({}, "en") is None
    fr = Translator("fr")
    assert fr.code("idf_region", "africa") == "Afrique"
    assert fr.code("status", None) == "non indiqué"
    assert fr.usd(300000).replace("\u202f", " ").replace("\u00a0", " ") == "300 000 USD"
    assert Translator("es").country("FJI") == "Fiyi"


def test_page_cache_renders_once_per_data_version() -> None:
    version = ["1"]
    clock = [0.0]
    cache = PageCache(lambda: version[0], ttl=1.0, clock=lambda: clock[0], max_entries=2)
    renders: list[str] = []

    def render(name: str) -> str:
        renders.append(name)
        return f"<p>{name} v{version[0]}</p>"

    assert cache.page("a", lambda: render("a")) == "<p>a v1</p>"
    assert cache.page("a", lambda: render("a")) == "<p>a v1</p>" and renders == ["a"]
    version[0] = "2"
    assert cache.page("a", lambda: render("a")) == "<p>a v1</p>"  # the version is read at most once a second
    clock[0] = 1.5
    assert cache.page("a", lambda: render("a")) == "<p>a v2</p>" and renders == ["a", "a"]
    cache.page("b", lambda: render("b"))
    cache.page("c", lambda: render("c"))
    assert len(cache) == 2


def test_map_keys_and_year_series() -> None:
    assert map_key("FJI") == "242" and map_key("MRT") == "478" and map_key("XKX") == "name:Kosovo"
    assert map_key("ZZZ") is None
    chart = stacked_years(
        {"africa": [{"key": 2019, "usd": 5.0, "projects": 1}], "none": [{"key": 2021, "usd": 2.0, "projects": 1}]},
        Translator("en"),
    )
    assert chart["categories"] == ["2019", "2020", "2021"]
    assert [s["key"] for s in chart["series"]] == ["africa", "none"]
    assert chart["series"][0]["values"] == [5.0, 0.0, 0.0]


def test_vendored_files_are_those_the_lock_file_names() -> None:
    """``web-assets/build.mjs`` wrote these files from the locked packages (rebuild: ``npm ci && npm run build``)."""
    root = Path(__file__).resolve().parents[2]
    vendor = root / "src" / "fundatlas" / "web" / "static" / "vendor"
    manifest = json.loads((vendor / "VERSIONS.json").read_text(encoding="utf-8"))
    lock = json.loads((root / "web-assets" / "package-lock.json").read_text(encoding="utf-8"))
    assert set(manifest["files"]) == {p.name for p in vendor.iterdir() if p.is_file() and p.name != "VERSIONS.json"}
    for name, entry in manifest["files"].items():
        data = (vendor / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
        assert lock["packages"][f"node_modules/{entry['package']}"]["version"] == entry["version"], name
        assert (vendor / "licenses" / f"{entry['package']}.txt").exists(), name
