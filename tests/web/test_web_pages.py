"""The dashboard's pages, server side: the real app (API + dashboard) on a real SQLite store."""

from __future__ import annotations

import gzip
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from fundatlas.export import FORMATS
from fundatlas.query import Portfolio, SearchFilters
from fundatlas.web.i18n import LANGUAGES, messages

WEB = Path(__file__).resolve().parents[2] / "src" / "fundatlas" / "web"
PAGES = [
    "/",
    "/projects",
    "/projects?q=traite",
    "/projects?idf_region=africa&status=completed&sort=-budget",
    "/projects/IS.0133",
    "/projects/PO.0196",
    "/countries",
    "/countries/FJI",
    "/regions/africa",
    "/regions/global",
    "/quality",
    "/quality?severity=warning",
]


class Links(HTMLParser):
    """Every href/src/action of a page, and the attributes of a few elements."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.html_lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.html_lang = values.get("lang")
        for name in ("href", "src", "action"):
            value = values.get(name)
            if value is not None:
                self.urls.append((tag, name, value))


def parsed(html: str) -> Links:
    links = Links()
    links.feed(html)
    return links


def with_lang(path: str, lang: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_in_every_language(client: TestClient, path: str, lang: str) -> None:
    response = client.get(with_lang(path, lang))
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page = parsed(response.text)
    assert page.html_lang == lang
    for tag, attribute, value in page.urls:
        target = urlsplit(value)
        local = not target.scheme and not target.netloc
        # the only links elsewhere are a project's own source pages (plain links, never loaded)
        assert local or (tag == "a" and target.scheme in ("http", "https")), (tag, attribute, value)
        if tag in ("script", "link", "img", "form"):
            assert local, value
    switcher = [value for tag, _, value in page.urls if tag == "a" and "lang=" in value]
    for other in LANGUAGES:
        assert any(dict(parse_qsl(urlsplit(v).query)).get("lang") == other for v in switcher), other


def test_translations_have_the_same_keys_and_every_key_used_exists() -> None:
    keys = {lang: set(messages(lang)) for lang in LANGUAGES}
    assert keys["fr"] == keys["en"] == keys["es"]
    used: set[str] = set()
    for path in [*(WEB / "templates").glob("*.html"), *WEB.rglob("*.py")]:
        used.update(re.findall(r"\bt\(\s*['\"]([a-z_.-]+)['\"]", path.read_text(encoding="utf-8")))
    prefixes = {key for key in used if key.endswith(".")}  # t('severity.' ~ value): a family of keys
    assert all(any(k.startswith(prefix) for k in keys["en"]) for prefix in prefixes), prefixes
    assert used and not used - prefixes - keys["en"], sorted(used - prefixes - keys["en"])
    for lang in LANGUAGES:
        for key, text in messages(lang).items():
            placeholders = set(re.findall(r"{(\w+)}", text))
            assert placeholders == set(re.findall(r"{(\w+)}", messages("en")[key])), (lang, key)


def test_language_comes_from_the_url_then_the_browser(client: TestClient) -> None:
    assert parsed(client.get("/", headers={"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"}).text).html_lang == "es"
    assert parsed(client.get("/", headers={"Accept-Language": "de, fr;q=0.4"}).text).html_lang == "fr"
    assert parsed(client.get("/?lang=fr", headers={"Accept-Language": "es"}).text).html_lang == "fr"
    assert parsed(client.get("/?lang=xx", headers={"Accept-Language": "de"}).text).html_lang == "en"


def test_project_content_in_the_chosen_language_else_marked_with_its_own(client: TestClient) -> None:
    english = client.get("/projects/PO.0196?lang=en").text
    french = client.get("/projects/PO.0196?lang=fr").text
    spanish = client.get("/projects/PO.0196?lang=es").text
    assert "<h1>Technical Assistance for the Development of a Migration Policy" in english
    assert "<h1>Aide technique à l’élaboration d’une politique migratoire" in french
    # no Spanish page: the first language the project has, marked as such
    assert '<h1 lang="en">Technical Assistance for the Development' in spanish
    # both texts side by side, each with its language
    assert 'class="text-version" lang="en"' in french and 'class="text-version" lang="fr"' in french
    # UI labels follow the page language
    assert "Pays bénéficiaires" in french and "Países beneficiarios" in spanish


def test_project_page_shows_every_part(client: TestClient, demo_portfolio: Portfolio) -> None:
    html = client.get("/projects/CT.0985?lang=en").text
    project = demo_portfolio.project("CT.0985")
    assert project["prima_id"] in html and "50,000" in html
    for beneficiary in project["beneficiaries"]:
        assert f'href="/countries/{beneficiary["iso3"]}?lang=en"' in html
    assert html.count('class="flag flag-yes"') == sum(b["eligible"] for b in project["beneficiaries"])
    for finding in project["findings"]:
        assert f"#rule-{finding['rule'].replace('.', '-')}" in html
    for source in project["sources"]:
        assert source["snapshot_sha256"][:12] in html
    assert "&lt;iati-activity" in html and "XM-DAC-47066-CT.0985" in html
    assert 'href="/projects/CT.0985/iati.xml"' in html


def test_a_projects_iati_file_holds_that_one_activity(client: TestClient) -> None:
    response = client.get("/projects/PO.0196/iati.xml")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    root = etree.fromstring(response.content)
    assert [e.text for e in root.iter("iati-identifier")] == ["XM-DAC-47066-PO.0196"]


class Elements(HTMLParser):
    """Every element a browser would build from a page: (tag, attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def test_page_text_is_always_escaped(hostile_client: TestClient) -> None:
    for path in ("/projects/IS.0999", "/projects?q=traite", "/projects?q=script", "/", "/countries/MRT", "/quality"):
        for lang in LANGUAGES:
            html = hostile_client.get(with_lang(path, lang)).text
            parser = Elements()
            parser.feed(html)
            for tag, attributes in parser.elements:
                assert tag != "img", (path, lang)
                assert tag != "script" or attributes.get("src") or attributes.get("type") == "application/json"
                assert not any(name.startswith("on") for name in attributes), (path, tag, attributes)
                assert not any((value or "").startswith("javascript:") for value in attributes.values())
            assert "<script>alert" not in html and "</textarea></pre><!--" not in html, (path, lang)
    page = hostile_client.get("/projects/IS.0999?lang=fr").text
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;script&gt;alert(&#34;description&#34;)&lt;/script&gt;" in page
    assert "{{ 7*7 }}" in page
    # the IATI XML shown on the page is escaped once more (it holds the title as XML text)
    assert "&amp;lt;script&amp;gt;" in page
    # search snippets keep only their <mark> tags
    results = hostile_client.get("/projects?q=traite&lang=fr").text
    snippet = re.search(r'<p class="snippet">(.*?)</p>', results, re.S)
    assert snippet and "<mark>" in snippet.group(1)
    assert not re.search(r"<(?!/?mark>)", snippet.group(1))
    # embedded chart data cannot close its script element
    overview = hostile_client.get("/").text
    for block in re.findall(r'<script type="application/json" id="[\w-]+">(.*?)</script>', overview, re.S):
        json.loads(block)
        assert "<" not in block


def test_browse_state_round_trips_through_the_url(client: TestClient) -> None:
    path = "/projects?q=climate&idf_region=africa&idf_region=asia_oceania&coverage=national&year_from=2019&sort=-budget"
    html = client.get(path + "&lang=en").text
    page = parsed(html)
    expected = parse_qsl(urlsplit(path).query)
    # the language switcher keeps the whole state
    switch = next(v for t, _, v in page.urls if t == "a" and "lang=fr" in v and v.startswith("/projects?"))
    assert [p for p in parse_qsl(urlsplit(switch).query) if p[0] != "lang"] == expected
    # a facet link adds one value and goes back to page 1; following it shows it selected
    africa_off = next(v for t, _, v in page.urls if t == "a" and v.startswith("/projects?") and
                      ("idf_region", "africa") not in parse_qsl(urlsplit(v).query) and
                      ("idf_region", "asia_oceania") in parse_qsl(urlsplit(v).query) and "q=climate" in v)
    assert "page=" not in africa_off
    # the export links carry exactly the filters (not the sort, not the page language)
    for fmt in FORMATS:
        link = next(v for t, _, v in page.urls if v.startswith(f"/api/export/{fmt}?"))
        assert sorted(parse_qsl(urlsplit(link).query)) == sorted(p for p in expected if p[0] != "sort")
    # the form holds the state too: q, the year, the sort, and the facet values as hidden inputs
    assert 'name="q" type="search" maxlength="500" value="climate"' in html
    assert 'value="2019"' in html and '<option value="-budget" selected>' in html
    assert html.count('type="hidden" name="idf_region"') == 2


def test_browse_results_match_the_query_layer(client: TestClient, demo_portfolio: Portfolio) -> None:
    html = client.get("/projects?idf_region=africa&lang=en").text
    expected = demo_portfolio.search(SearchFilters(idf_region=("africa",)))["total"]
    assert f'data-total="{expected}"' in html
    facets = demo_portfolio.facets(SearchFilters(idf_region=("africa",)))
    status_counts = {entry["value"]: entry["count"] for entry in facets["status"]}
    for status, count in status_counts.items():
        assert re.search(rf"status={status}&amp;lang=en\">.*?<span class=\"count\">{count}</span>", html, re.S)


def test_pagination_and_sorting_links(client: TestClient) -> None:
    first = client.get("/projects?sort=title&lang=en").text
    assert 'aria-sort="ascending"' in first
    assert 'href="/projects?sort=title&amp;page=2&amp;lang=en"' in first
    second = client.get("/projects?sort=title&page=2&lang=en").text
    assert 'aria-current="page">2</a>' in second and 'rel="prev"' in second
    ids_first = re.findall(r'<span class="code">([A-Z0-9.-]+)</span>\s*<span>', first)
    ids_second = re.findall(r'<span class="code">([A-Z0-9.-]+)</span>\s*<span>', second)
    assert ids_first and ids_second and not set(ids_first) & set(ids_second)


def test_export_links_download_the_selection(client: TestClient, demo_portfolio: Portfolio) -> None:
    html = client.get("/projects?coverage=regional&lang=en").text
    link = re.search(r'href="(/api/export/csv\?[^"]+)"', html)
    assert link
    response = client.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    rows = response.text.strip().splitlines()
    assert len(rows) - 1 == demo_portfolio.totals(SearchFilters(coverage=("regional",)))["projects"]


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/projects/XX.9999", 404, "XX.9999"),
        ("/countries/ZZZ", 404, "ZZZ"),
        ("/countries/not-a-code", 404, "not-a-code"),
        ("/regions/mars", 404, "mars"),
        ("/projects?year_from=abc", 400, "year_from"),
        ("/projects?sort=bogus", 400, "sort"),
        ("/projects?status=sleeping", 400, "status"),
        ("/projects?page=0", 400, "page"),
        ("/quality?severity=fatal", 400, "fatal"),
    ],
)
def test_errors_are_pages_that_say_why(client: TestClient, path: str, status: int, text: str) -> None:
    response = client.get(with_lang(path, "fr"))
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert text in response.text and parsed(response.text).html_lang == "fr"


def test_static_files_are_compressed_cached_and_confined(client: TestClient) -> None:
    html = client.get("/").text
    scripts = re.findall(r'<script defer src="([^"]+)"', html)
    assert any("countries-110m" not in s and "app.js" in s for s in scripts)
    app_js = next(s for s in scripts if "app.js" in s)
    response = client.get(app_js, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["content-encoding"] == "gzip"
    assert "immutable" in response.headers["cache-control"]
    again = client.get(app_js, headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    for bad in ("/static/../__init__.py", "/static/%2e%2e/__init__.py", "/static/nope.js", "/static/vendor"):
        assert client.get(bad).status_code == 404, bad


def test_overview_weighs_less_than_400_kb_compressed(client: TestClient) -> None:
    """What the browser benchmark measures, estimated here: the page and what it loads, gzipped."""
    html = client.get("/").text
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assets += re.findall(r'data-topology="([^"]+)"', html)
    total = len(gzip.compress(html.encode()))
    for asset in set(assets):
        response = client.get(asset.replace("&amp;", "&"), headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, asset
        total += len(gzip.compress(response.content))
    assert total < 400_000, total


def test_overview_figures_match_the_portfolio(client: TestClient, demo_portfolio: Portfolio) -> None:
    html = client.get("/?lang=en").text
    totals = demo_portfolio.totals()
    assert f'data-total="projects">{totals["projects"]}<' in html
    assert f'data-total="countries">{totals["countries"]}<' in html
    data = json.loads(re.search(r'id="map-data">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert len(data["countries"]) >= totals["countries"] - 2  # a few micro-states are not on the 1:110m map
    assert data["countries"]["242"]["iso3"] == "FJI"
    years = json.loads(re.search(r'id="years-data">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    charted = sum(sum(series["values"]) for series in years["series"])
    dated = sum(row["usd"] for row in demo_portfolio.stats("year") if row["key"] is not None)
    assert charted == pytest.approx(dated)
