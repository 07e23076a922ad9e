"""URLs, pure: normalising, the allow-list, the shapes of project pages, links of pages and sitemaps."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fundatlas.crawl.urls import (
    BadUrl,
    Link,
    SitemapError,
    UrlKind,
    guess_kind,
    gunzip,
    html_links,
    is_allowed_host,
    is_project_path,
    looks_like_sitemap,
    normalize_url,
    sitemap_links,
)

IOM = ("iom.int",)
#: The URL shapes of project pages (shared/research/idf-rules.md §5).
PROJECT_URLS = [
    "https://iom.int/fr/node/187876",
    "https://iom.int/es/node/174536",
    "https://iom.int/project/enhancing-labour-mobility-governance-pacific",
    "https://developmentfund.iom.int/project/developing-migration-policy-integrate-migration-national-development"
    "-framework-ghana",
    "https://www.iom.int/node/1234",
]


@pytest.mark.parametrize(("given_url", "expected"), [
    ("HTTPS://WWW.IOM.INT/fr/node/1#top", "https://www.iom.int/fr/node/1"),
    ("https://iom.int:443/project/x", "https://iom.int/project/x"),
    ("http://iom.int:8080/project/x", "http://iom.int:8080/project/x"),
    ("https://iom.int/fr/projets?type=b&page=2&a=", "https://iom.int/fr/projets?a=&page=2&type=b"),
    ("https://iom.int", "https://iom.int/"),
    ("https://iom.int/Project/CaSe", "https://iom.int/Project/CaSe"),
])
def test_urls_are_normalised(given_url: str, expected: str) -> None:
    assert normalize_url(given_url) == expected


def test_relative_links_are_resolved_against_their_page() -> None:
    assert normalize_url("?page=3", "https://iom.int/fr/projets?page=2") == "https://iom.int/fr/projets?page=3"
    assert normalize_url("/es/node/5", "https://iom.int/fr/node/4") == "https://iom.int/es/node/5"


@pytest.mark.parametrize("bad", ["ftp://iom.int/x", "not a url", "mailto:someone@iom.int", "https:///path",
                                 "http://iom.int:99999/"])
def test_what_is_not_an_http_url_is_refused(bad: str) -> None:
    with pytest.raises(BadUrl):
        normalize_url(bad)


@given(st.sampled_from(["http", "https", "HTTP"]), st.sampled_from(["iom.int", "WWW.iom.int", "127.0.0.1:8000"]),
       st.lists(st.text(alphabet="abc/%-_.", max_size=8), max_size=3),
       st.dictionaries(st.text(alphabet="abcp", min_size=1, max_size=3), st.text(alphabet="12x ", max_size=3),
                       max_size=3),
       st.text(alphabet="abc#", max_size=4))
def test_normalising_is_idempotent(scheme: str, host: str, segments: list[str], query: dict[str, str],
                                   fragment: str) -> None:
    from urllib.parse import urlencode

    url = f"{scheme}://{host}/{'/'.join(segments)}?{urlencode(query)}#{fragment}"
    once = normalize_url(url)
    assert normalize_url(once) == once
    assert "#" not in once


def test_the_allow_list_takes_subdomains_and_nothing_else() -> None:
    assert is_allowed_host("iom.int", IOM) and is_allowed_host("developmentfund.iom.int", IOM)
    assert is_allowed_host("WWW.IOM.INT", IOM)
    assert not is_allowed_host("eviliom.int", IOM) and not is_allowed_host("iom.int.example.com", IOM)
    assert is_allowed_host("127.0.0.1", ("iom.int", "127.0.0.1"))


@pytest.mark.parametrize("url", PROJECT_URLS)
def test_project_page_shapes_are_recognised(url: str) -> None:
    assert is_project_path(url) and guess_kind(url) is UrlKind.PAGE


@pytest.mark.parametrize(("url", "kind"), [
    ("https://iom.int/fr/projets", UrlKind.LISTING),
    ("https://iom.int/fr/news/x", UrlKind.LISTING),
    ("https://iom.int/sitemap.xml", UrlKind.SITEMAP),
    ("https://iom.int/sitemaps/fr.xml.gz", UrlKind.SITEMAP),
    ("https://iom.int/sitemap.xml?page=2", UrlKind.SITEMAP),
])
def test_other_urls_are_guessed_listings_or_sitemaps(url: str, kind: UrlKind) -> None:
    assert not is_project_path(url) and guess_kind(url) is kind


def test_html_links_keep_alternates_project_links_and_pagination_only() -> None:
    page = """<html><head>
      <link rel="alternate" hreflang="en" href="https://www.iom.int/project/migration-profile-fiji">
      <link rel="alternate" hreflang="es" href="/es/node/9">
      <link rel="stylesheet" href="/style.css">
    </head><body>
      <a href="/fr/node/1">un</a> <a href="/fr/node/1#x">encore</a> <a href="https://iom.int/fr/node/2">deux</a>
      <a href="/fr/news/3">actualité</a> <a href="https://www.un.org/project/4">ONU</a>
      <a href="?page=2">suivant</a> <a href="/other?page=2">ailleurs</a> <a href="mailto:x@iom.int">courriel</a>
      <a href="javascript:void(0)">js</a> <a href="http://[bad">cassé</a>
    </body></html>"""
    links = html_links(page, "https://iom.int/fr/projets?page=1", IOM)
    assert links == [
        Link("https://www.iom.int/project/migration-profile-fiji", UrlKind.PAGE),
        Link("https://iom.int/es/node/9", UrlKind.PAGE),
        Link("https://iom.int/fr/node/1", UrlKind.PAGE),
        Link("https://iom.int/fr/node/2", UrlKind.PAGE),
        Link("https://iom.int/fr/projets?page=2", UrlKind.LISTING),
    ]


def test_html_links_honour_a_base_element() -> None:
    page = '<html><head><base href="https://developmentfund.iom.int/"></head><body><a href="project/x">x</a></body>'
    assert html_links(page, "https://iom.int/list", IOM) == [
        Link("https://developmentfund.iom.int/project/x", UrlKind.PAGE)]


SITEMAP_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml"'


def test_a_sitemap_gives_project_pages_and_their_alternates() -> None:
    xml = (f'<?xml version="1.0"?><urlset {SITEMAP_NS}>'
           "<url><loc>https://iom.int/project/a</loc>"
           '<xhtml:link rel="alternate" hreflang="fr" href="https://iom.int/fr/node/7"/></url>'
           "<url><loc>https://iom.int/about-us</loc></url>"
           "<url><loc>https://example.org/project/b</loc></url></urlset>").encode()
    expected = [Link("https://iom.int/project/a", UrlKind.PAGE), Link("https://iom.int/fr/node/7", UrlKind.PAGE)]
    assert sitemap_links(xml, "https://iom.int/sitemap.xml", IOM, max_bytes=10_000) == expected
    packed = gzip.compress(xml)
    assert looks_like_sitemap(packed) and looks_like_sitemap(xml) and not looks_like_sitemap(b"<html>")
    assert sitemap_links(packed, "https://iom.int/sitemap.xml.gz", IOM, max_bytes=10_000) == expected


def test_a_sitemap_index_gives_sitemaps() -> None:
    xml = (f'<sitemapindex {SITEMAP_NS}><sitemap><loc>/sitemap-1.xml</loc></sitemap>'
           "<sitemap><loc>https://iom.int/sitemap-2.xml.gz</loc></sitemap></sitemapindex>").encode()
    assert sitemap_links(xml, "https://iom.int/sitemap.xml", IOM, max_bytes=10_000) == [
        Link("https://iom.int/sitemap-1.xml", UrlKind.SITEMAP), Link("https://iom.int/sitemap-2.xml.gz",
                                                                     UrlKind.SITEMAP)]


@pytest.mark.parametrize(("data", "reason"), [
    (b"<html><body>no</body></html>", "neither <urlset> nor <sitemapindex>"),
    (b"<urlset><url><loc>", "not well-formed XML"),
    (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><urlset>&a;</urlset>', "DOCTYPE"),
    (b"\x1f\x8bnot gzip at all", "bad gzip data"),
])
def test_what_is_not_a_sitemap_says_why(data: bytes, reason: str) -> None:
    with pytest.raises(SitemapError, match=reason):
        sitemap_links(data, "https://iom.int/sitemap.xml", IOM, max_bytes=10_000)


def test_gzip_bombs_are_cut_at_the_size_limit() -> None:
    bomb = gzip.compress(b"\0" * 1_000_000)
    assert len(bomb) < 5_000
    with pytest.raises(SitemapError, match="too large"):
        gunzip(bomb, 100_000)
    assert gunzip(gzip.compress(b"abc"), 3) == b"abc"
