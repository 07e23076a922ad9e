"""URLs, pure: normalising them, the allow-list, what a URL looks like, and the links a page or sitemap holds.

Nothing here touches the network or the store. Links are only followed when they can lead to a
project page: paths shaped like one (``/project/slug``, ``/node/N``, ``/fr/node/N``, ``/es/node/N``,
with an optional language prefix), the language alternates a page declares
(``<link rel="alternate" hreflang>``) and a listing's own pagination (``?page=N`` on its path).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit
from xml.etree import ElementTree

from selectolax.lexbor import LexborHTMLParser

#: Hosts crawled when no ``--allow-host`` is given: iom.int and every subdomain of it.
DEFAULT_ALLOWED_HOSTS = ("iom.int",)

_PROJECT_PATH = re.compile(r"^/(?:(?:fr|es|en)/)?(?:node/\d+|project/[^/]+)/?$", re.I)
_SITEMAP_PATH = re.compile(r"sitemap[^/]*(?:\.xml(?:\.gz)?)?$|\.xml(?:\.gz)?$", re.I)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_GZIP_MAGIC = b"\x1f\x8b"


class UrlKind(StrEnum):
    """What a URL is (a guess from its shape until it is fetched, then what it turned out to be)."""

    PAGE = "page"
    LISTING = "listing"
    SITEMAP = "sitemap"
    OTHER = "other"  # fetched, not a project page, and no links to follow


class BadUrl(ValueError):
    """Not an absolute http(s) URL."""


def normalize_url(url: str, base: str | None = None) -> str:
    """``url`` (resolved against ``base``) with a lower-case scheme and host, no default port, no
    fragment, the query sorted and ``/`` for an empty path; raises ``BadUrl``."""
    try:
        text = urljoin(base, url.strip()) if base is not None else url.strip()
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise BadUrl(f"{url!r}: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise BadUrl(f"{url!r}: not an absolute http(s) URL")
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def host_of(url: str) -> str:
    """The host name of a normalised URL (no port)."""
    return (urlsplit(url).hostname or "").lower()


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL: what robots.txt and the rate limit are kept per."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def is_allowed_host(host: str, allowed: Iterable[str]) -> bool:
    """True when ``host`` is on the allow-list or a subdomain of a host on it."""
    host = host.lower().rstrip(".")
    return any(host == entry or host.endswith("." + entry) for entry in (a.lower().strip(".") for a in allowed))


def is_project_path(url: str) -> bool:
    return bool(_PROJECT_PATH.match(urlsplit(url).path))


def guess_kind(url: str) -> UrlKind:
    """What a URL given by hand probably is: a sitemap, a project page, or else a listing."""
    path = urlsplit(url).path
    if _SITEMAP_PATH.search(path):
        return UrlKind.SITEMAP
    return UrlKind.PAGE if _PROJECT_PATH.match(path) else UrlKind.LISTING


@dataclass(frozen=True, slots=True)
class Link:
    """A URL found on a page or in a sitemap, with what it is expected to be."""

    url: str
    kind: UrlKind


def _pagination(url: str, listing: str) -> bool:
    """True when ``url`` is a page of the listing ``listing`` (same path, a ``page`` parameter)."""
    a, b = urlsplit(url), urlsplit(listing)
    return a.netloc == b.netloc and a.path == b.path and any(k == "page" for k, _ in parse_qsl(a.query))


def _dedupe(links: Iterable[Link], allowed: Sequence[str], exclude: str) -> list[Link]:
    seen: dict[str, Link] = {}
    for link in links:
        if link.url != exclude and link.url not in seen and is_allowed_host(host_of(link.url), allowed):
            seen[link.url] = link
    return list(seen.values())


def html_links(data: bytes | str, page_url: str, allowed: Sequence[str]) -> list[Link]:
    """Links of an HTML page worth following: language alternates, project-shaped links and the
    page's own pagination, on allowed hosts, normalised and deduplicated, in page order."""
    tree = LexborHTMLParser(data if isinstance(data, str) else data.decode("utf-8", "replace"))
    base_node = tree.css_first("base[href]")
    base = page_url
    if base_node is not None and base_node.attributes.get("href"):
        try:
            base = normalize_url(str(base_node.attributes["href"]), page_url)
        except BadUrl:
            base = page_url
    found: list[Link] = []
    for node in tree.css("link[rel][hreflang][href]"):
        if "alternate" in str(node.attributes.get("rel") or "").lower().split():
            found.extend(_link(str(node.attributes["href"]), base, UrlKind.PAGE))
    for node in tree.css("a[href]"):
        href = str(node.attributes.get("href") or "")
        for link in _link(href, base, UrlKind.PAGE):
            if _pagination(link.url, page_url):
                found.append(Link(link.url, UrlKind.LISTING))
            elif is_project_path(link.url):
                found.append(link)
    return _dedupe(found, allowed, exclude=page_url)


def _link(href: str, base: str, kind: UrlKind) -> Iterator[Link]:
    if not href or href.startswith(("#", "mailto:", "javascript:", "tel:")):
        return
    try:
        yield Link(normalize_url(href, base), kind)
    except BadUrl:
        return


# --- sitemaps --------------------------------------------------------------------------------------


class SitemapError(ValueError):
    """Not a sitemap fundatlas can read (the message says why)."""


def gunzip(data: bytes, max_bytes: int) -> bytes:
    """Decompress gzip data, refusing more than ``max_bytes`` of output."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise SitemapError(f"bad gzip data ({exc})") from exc
    if len(out) > max_bytes or inflater.unconsumed_tail:
        raise SitemapError(f"too large: more than {max_bytes:,} bytes once decompressed")
    return out


def is_gzip(data: bytes) -> bool:
    return data.startswith(_GZIP_MAGIC)


def looks_like_sitemap(data: bytes) -> bool:
    head = data[:2048].lstrip()
    return is_gzip(data) or (head.startswith(b"<") and (b"<urlset" in head or b"<sitemapindex" in head))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def sitemap_links(data: bytes, sitemap_url: str, allowed: Sequence[str], *, max_bytes: int) -> list[Link]:
    """The links of a sitemap (``<urlset>``, with ``xhtml:link`` alternates) or a sitemap index
    (``<sitemapindex>``), gzip or not; only project-shaped page URLs and nested sitemaps."""
    if is_gzip(data):
        data = gunzip(data, max_bytes)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise SitemapError("XML with a DOCTYPE or entities is refused")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise SitemapError(f"not well-formed XML ({exc})") from exc
    kind = _local(root.tag)
    found: list[Link] = []
    if kind == "sitemapindex":
        for loc in root.iter():
            if _local(loc.tag) == "loc" and loc.text:
                found.extend(_link(loc.text, sitemap_url, UrlKind.SITEMAP))
    elif kind == "urlset":
        for element in root.iter():
            name = _local(element.tag)
            if name == "loc" and element.text:
                found.extend(link for link in _link(element.text, sitemap_url, UrlKind.PAGE)
                             if is_project_path(link.url))
            elif name == "link" and element.get("rel") == "alternate" and element.get("href"):
                found.extend(_link(str(element.get("href")), sitemap_url, UrlKind.PAGE))
    else:
        raise SitemapError(f"XML, but neither <urlset> nor <sitemapindex> (<{kind}>)")
    return _dedupe(found, allowed, exclude=sitemap_url)

