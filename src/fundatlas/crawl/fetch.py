"""Fetching one URL politely with httpx: robots.txt, the pace per host, redirects checked hop by hop
against the allow-list, a size cap and a deadline for the whole page, conditional GET.

``Fetcher.fetch`` never raises for anything the network or the server does: it returns a
``Fetched`` body, a ``NotModified`` answer or a ``FetchFailure`` that says why and whether a retry
may help. Retrying is the caller's business (the frontier keeps when to try again).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from time import monotonic
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from fundatlas.crawl.politeness import ROBOTS_AGENT, CrawlSettings, HostPacer, parse_retry_after
from fundatlas.crawl.urls import BadUrl, UrlKind, host_of, is_allowed_host, normalize_url, origin_of

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
XML_TYPES = frozenset({"application/xml", "text/xml", "application/gzip", "application/x-gzip"})
#: Servers often send a ``.xml.gz`` sitemap as a plain binary download.
SITEMAP_EXTRA_TYPES = frozenset({"application/octet-stream"})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
#: RFC 9309: crawlers must read at least 500 KiB of robots.txt; fundatlas reads up to 512 KiB.
ROBOTS_MAX_BYTES = 512 * 1024
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.1"


@dataclass(frozen=True, slots=True)
class Fetched:
    """A 200 and its whole body."""

    url: str  # where the body came from (after redirects)
    status: int
    media_type: str
    body: bytes
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True, slots=True)
class NotModified:
    """A 304: the page is what it was when its validators were stored."""

    url: str
    etag: str | None
    last_modified: str | None
    status: int = 304


@dataclass(frozen=True, slots=True)
class FetchFailure:
    """Why a URL could not be had; ``retryable`` for timeouts, 5xx, 429 and broken connections."""

    reason: str
    retryable: bool = False
    status: int | None = None
    retry_after: float | None = None  # seconds the server asked for (429, 503)
    url: str | None = None  # where the failure happened, after redirects
    skipped: bool = False  # not fetched on purpose (robots.txt, the allow-list), rather than failed


FetchResult = Fetched | NotModified | FetchFailure


@dataclass(slots=True)
class _Robots:
    parser: RobotFileParser | None  # None: everything allowed (no robots.txt)
    failure: FetchFailure | None = None  # unreachable: nothing allowed until ``expires``
    expires: float | None = None


def _media_type(response: httpx.Response) -> str:
    return str(response.headers.get("content-type", "")).split(";", 1)[0].strip().lower()


def _accepted(expect: UrlKind) -> frozenset[str]:
    accepted = HTML_TYPES | XML_TYPES
    return accepted | SITEMAP_EXTRA_TYPES if expect is UrlKind.SITEMAP else accepted


def _http_reason(response: httpx.Response) -> str:
    phrase = response.reason_phrase
    return f"HTTP {response.status_code}" + (f" {phrase}" if phrase else "")


class Fetcher:
    """One per crawl run: the httpx client, the pace per host and the robots.txt cache."""

    def __init__(self, client: httpx.AsyncClient, settings: CrawlSettings, pacer: HostPacer) -> None:
        self.client = client
        self.settings = settings
        self.pacer = pacer
        self._robots: dict[str, _Robots] = {}
        self._loading: dict[str, asyncio.Task[_Robots]] = {}

    # --- robots.txt ---------------------------------------------------------------------------

    async def robots_verdict(self, url: str) -> FetchFailure | None:
        """None when robots.txt lets fundatlas fetch ``url``; else why not (skipped, or failed when
        robots.txt itself cannot be had: RFC 9309 says to assume then that nothing is allowed)."""
        robots = await self._robots_for(origin_of(url))
        if robots.failure is not None:
            return robots.failure
        if robots.parser is not None and not robots.parser.can_fetch(ROBOTS_AGENT, url):
            return FetchFailure("disallowed by robots.txt", url=url, skipped=True)
        return None

    async def _robots_for(self, origin: str) -> _Robots:
        cached = self._robots.get(origin)
        if cached is not None and (cached.expires is None or cached.expires > monotonic()):
            return cached
        task = self._loading.get(origin)
        if task is None:
            task = asyncio.ensure_future(self._load_robots(origin))
            self._loading[origin] = task
        try:
            robots = await task
        finally:
            if task.done():
                self._loading.pop(origin, None)
        self._robots[origin] = robots
        return robots

    async def _load_robots(self, origin: str) -> _Robots:
        result = await self._get(f"{origin}/robots.txt", headers={}, accept=None, max_bytes=ROBOTS_MAX_BYTES,
                                 check_robots=False)
        if isinstance(result, FetchFailure):
            status = result.status
            if result.retryable or status == 429:
                # Unreachable (5xx, 429, timeouts): assume nothing is allowed, and ask again later.
                failure = FetchFailure(f"robots.txt unreachable ({result.reason}); not fetched", retryable=True,
                                       status=status, retry_after=result.retry_after)
                return _Robots(None, failure, monotonic() + self.settings.backoff)
            return _Robots(None)  # 4xx, too many redirects, too large: unavailable, everything allowed
        if isinstance(result, NotModified):
            return _Robots(None)
        parser = RobotFileParser(f"{origin}/robots.txt")
        parser.parse(result.body.decode("utf-8", "replace").splitlines())
        delay = parser.crawl_delay(ROBOTS_AGENT)
        rate = parser.request_rate(ROBOTS_AGENT)
        seconds = float(delay) if delay is not None else 0.0
        if rate is not None and rate.requests > 0:
            seconds = max(seconds, rate.seconds / rate.requests)
        if seconds > 0:
            self.pacer.set_crawl_delay(urlsplit(origin).netloc, seconds)
        return _Robots(parser)

    # --- pages --------------------------------------------------------------------------------

    async def fetch(self, url: str, *, expect: UrlKind, etag: str | None = None,
                    last_modified: str | None = None) -> FetchResult:
        """GET ``url`` (robots.txt and the allow-list already checked by the caller for ``url``
        itself; every redirect hop is checked here)."""
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return await self._get(url, headers=headers, accept=_accepted(expect), max_bytes=self.settings.max_bytes,
                               check_robots=True, expect=expect)

    async def _get(self, url: str, *, headers: dict[str, str], accept: frozenset[str] | None, max_bytes: int,
                   check_robots: bool, expect: UrlKind = UrlKind.PAGE) -> FetchResult:
        """Follow up to ``max_redirects`` hops; ``timeout`` bounds the time spent on the network for
        the whole page (the pauses between requests to a host are not counted)."""
        settings = self.settings
        remaining = settings.timeout
        current, chain = url, [url]
        for _hop in range(settings.max_redirects + 1):
            await self.pacer.wait(urlsplit(current).netloc)
            started = monotonic()
            try:
                async with asyncio.timeout(remaining):
                    async with self.client.stream("GET", current, headers=headers) as response:
                        location = response.headers.get("location") if response.status_code in REDIRECTS else None
                        if location is None:
                            return await self._read(response, current, accept, max_bytes, expect)
            except TimeoutError:
                return FetchFailure(f"timed out: no complete response within {settings.timeout:g} s",
                                    retryable=True, url=current)
            except httpx.TimeoutException as exc:
                return FetchFailure(f"timed out ({type(exc).__name__})", retryable=True, url=current)
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                return FetchFailure(f"connection failed ({type(exc).__name__}: {exc})", retryable=True, url=current)
            except httpx.DecodingError as exc:
                return FetchFailure(f"the body could not be decoded ({exc})", url=current)
            except httpx.HTTPError as exc:
                return FetchFailure(f"{type(exc).__name__}: {exc}", url=current)
            remaining -= monotonic() - started
            refused = await self._redirect_target(current, location, chain, check_robots)
            if isinstance(refused, FetchFailure):
                return refused
            current = refused
            chain.append(current)
            if remaining <= 0:
                return FetchFailure(f"timed out: no complete response within {settings.timeout:g} s",
                                    retryable=True, url=current)
        return FetchFailure(f"too many redirects (more than {settings.max_redirects}): {' → '.join(chain)}",
                            url=current)

    async def _redirect_target(self, current: str, location: str, chain: list[str],
                               check_robots: bool) -> str | FetchFailure:
        try:
            target = normalize_url(location, current)
        except BadUrl:
            return FetchFailure(f"redirected to {location!r}, not an http(s) URL", url=current)
        if target in chain:
            return FetchFailure(f"redirect loop: {' → '.join([*chain, target])}", url=current)
        host = host_of(target)
        if not is_allowed_host(host, self.settings.allow_hosts):
            return FetchFailure(f"redirected to a host off the allow-list: {host} ({target})", url=current)
        if check_robots:
            verdict = await self.robots_verdict(target)
            if verdict is not None:
                return FetchFailure(f"redirected to {target}: {verdict.reason}", retryable=verdict.retryable,
                                    status=verdict.status, url=target)
        return target

    async def _read(self, response: httpx.Response, url: str, accept: frozenset[str] | None, max_bytes: int,
                    expect: UrlKind) -> FetchResult:
        status = response.status_code
        etag, modified = response.headers.get("etag"), response.headers.get("last-modified")
        if status == 304:
            return NotModified(url, etag, modified)
        if status == 429 or status == 408 or status >= 500:
            retry_after = None
            if status in (429, 503):
                retry_after = parse_retry_after(response.headers.get("retry-after"))
            return FetchFailure(_http_reason(response), retryable=True, status=status, retry_after=retry_after,
                                url=url)
        if status not in (200, 203):
            return FetchFailure(_http_reason(response), status=status, url=url)
        media = _media_type(response)
        if accept is not None and media and media not in accept:
            what = "not a sitemap" if expect is UrlKind.SITEMAP else "not HTML"
            return FetchFailure(f"{what}: {media}", status=status, url=url)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            return FetchFailure(f"too large: {int(declared):,} bytes (the limit is {max_bytes:,})", status=status,
                                url=url)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                return FetchFailure(f"too large: over the limit of {max_bytes:,} bytes",
                                    status=status, url=url)
            chunks.append(chunk)
        return Fetched(url, status, media, b"".join(chunks), etag, modified)
