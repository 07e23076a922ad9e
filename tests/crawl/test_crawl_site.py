"""The crawler against a real HTTP server on 127.0.0.1: discovery, storing, faults, re-crawls, politeness."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from crawl_helpers import FAST, SMALL_START, bounded, db_url, fast, no_proxy, rows
from crawl_site import (
    ALTERNATE_ONLY,
    AWAY,
    BROKEN,
    DRIP,
    FAULT_PATHS,
    FLAKY,
    HANG,
    HUGE,
    HUGE_STREAM,
    LIMITED,
    LOOP,
    MISSING,
    MOVED,
    MOVED_TO,
    OFF_LIST,
    PDF,
    SECRET,
    Response,
    ServedSite,
    Site,
    page_path,
)
from sqlalchemy.engine import Engine

from fundatlas import __version__, parse_page
from fundatlas.crawl import (
    DEFAULT_CONCURRENCY,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_REDIRECTS,
    DEFAULT_RATE,
    DEFAULT_TIMEOUT,
    CrawlReport,
    CrawlSettings,
    Outcome,
    crawl,
    seed_links,
    update,
)
from fundatlas.store import open_store

START = ["/fr/projets", "/sitemap.xml"]
#: Generous bounds: the fault crawl takes a few seconds (two attempts at a 2.5 s deadline for the hang).
CRAWL_SECONDS = 45


@dataclass
class Crawled:
    served: ServedSite
    engine: Engine
    path: Path
    report: CrawlReport

    def outcome(self, path: str) -> tuple[Outcome, str | None]:
        url = self.served.url(path)
        [found] = [o for o in self.report.outcomes if o.url == url]
        return found.outcome, found.reason


def project_paths(site: Site) -> set[str]:
    """Paths of the pages the parser reads as project pages (what must end up in the store)."""
    return {path for path, _stem in site.pages.items()
            if parse_page(site.routes[path].body, url="http://x" + path).is_project}


def start_urls(served: ServedSite, *paths: str) -> list[str]:
    return [served.url(path) for path in paths]


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    """One crawl of the site with every fault, started from a listing, a sitemap and a file's worth of URLs."""
    path = tmp_path_factory.mktemp("crawl") / "faulty.db"
    with no_proxy(), ServedSite(Site()) as served:
        engine = open_store(db_url(path))
        seeds = seed_links([*start_urls(served, *START, *FAULT_PATHS), OFF_LIST])
        report = bounded(lambda: crawl(engine, seeds, fast(max_attempts=2)), CRAWL_SECONDS)
        yield Crawled(served, engine, path, report)
        engine.dispose()


def test_every_project_page_that_can_be_had_is_stored_with_its_bytes(faulty: Crawled) -> None:
    site, served = faulty.served.site, faulty.served
    expected = project_paths(site) - {MOVED_TO} | {MOVED}  # MOVED_TO is only reached through MOVED's redirect
    stored = dict(rows(faulty.path, "SELECT locator, latest_sha256 FROM sources"))
    assert set(stored) == {served.url(p) for p in expected}
    for path in expected:
        body = site.routes[MOVED_TO if path == MOVED else path].body
        assert stored[served.url(path)] == hashlib.sha256(body).hexdigest(), path
    new = {o.url for o in faulty.report.outcomes if o.outcome is Outcome.NEW}
    assert new == set(stored)
    # reached only through <link rel="alternate" hreflang> on its French version
    assert faulty.outcome(page_path(ALTERNATE_ONLY))[0] is Outcome.NEW
    assert len(rows(faulty.path, "SELECT 1 FROM projects")) >= 50


def test_each_fault_has_its_reason(faulty: Crawled) -> None:
    expected = {
        BROKEN: (Outcome.FAILED, "HTTP 500 Internal Server Error (after 2 attempts)"),
        HANG: (Outcome.FAILED, f"timed out: no complete response within {FAST.timeout:g} s (after 2 attempts)"),
        DRIP: (Outcome.FAILED, f"timed out: no complete response within {FAST.timeout:g} s (after 2 attempts)"),
        HUGE: (Outcome.FAILED, f"too large: {60 * 1024 * 1024:,} bytes (the limit is {DEFAULT_MAX_BYTES:,})"),
        HUGE_STREAM: (Outcome.FAILED, f"too large: over the limit of {DEFAULT_MAX_BYTES:,} bytes"),
        PDF: (Outcome.FAILED, "not HTML: application/pdf"),
        MISSING: (Outcome.FAILED, "HTTP 404 Not Found"),
        SECRET: (Outcome.SKIPPED, "disallowed by robots.txt"),
    }
    for path, (outcome, reason) in expected.items():
        assert faulty.outcome(path) == (outcome, reason), path
    loop = faulty.outcome(LOOP)
    assert loop[0] is Outcome.FAILED and loop[1] is not None and loop[1].startswith("redirect loop: ")
    away = faulty.outcome(AWAY)
    assert away == (Outcome.FAILED, "redirected to a host off the allow-list: off-list.example "
                                    "(http://off-list.example/project/away)")
    [off] = [o for o in faulty.report.outcomes if o.url == OFF_LIST]
    assert (off.outcome, off.reason) == (Outcome.SKIPPED, "host not on the allow-list: elsewhere.example")
    states = dict(rows(faulty.path, "SELECT url, state || ':' || coalesce(last_error, '') FROM crawl_urls"))
    assert states[faulty.served.url(PDF)] == "failed:not HTML: application/pdf"
    assert states[faulty.served.url(SECRET)] == "skipped:disallowed by robots.txt"
    assert rows(faulty.path, "SELECT count(*) FROM crawl_urls WHERE state IN ('queued', 'fetching')") == [(0,)]


def test_retries_back_off_and_honour_retry_after(faulty: Crawled) -> None:
    served = faulty.served
    assert faulty.outcome(FLAKY)[0] is Outcome.NEW and served.hits(FLAKY) == 2  # 500, then the page
    assert faulty.outcome(LIMITED)[0] is Outcome.NEW and served.hits(LIMITED) == 2  # 429, then the page
    limited = [r.at for r in served.requests if r.path == LIMITED]
    assert limited[1] - limited[0] >= 0.95  # Retry-After: 1
    assert served.hits(BROKEN) == 2 and served.hits(HANG) == 2 and served.hits(DRIP) == 2
    assert served.hits(PDF) == 1 and served.hits(MISSING) == 1 and served.hits(HUGE) == 1


def test_what_must_not_be_fetched_is_not(faulty: Crawled) -> None:
    counts = faulty.served.counts()
    assert counts[SECRET] == 0  # robots.txt
    assert counts["/about"] == counts["/about-us"] == counts["/fr/news/x"] == counts["/"] == 0  # not project-shaped
    assert counts["/robots.txt"] == 1  # once per host and run
    fetched_twice = {path: n for path, n in counts.items() if n > 1}
    assert fetched_twice == {FLAKY: 2, LIMITED: 2, BROKEN: 2, HANG: 2, DRIP: 2}  # retries only
    agents = {r.headers.get("User-Agent") for r in faulty.served.requests}
    assert agents == {CrawlSettings().user_agent}


def test_listings_and_sitemaps_are_read_for_links_not_stored(faulty: Crawled) -> None:
    served = faulty.served
    scanned = {o.url: o for o in faulty.report.outcomes if o.outcome is Outcome.SCANNED}
    assert served.url("/fr/projets") in scanned and served.url("/fr/projets?page=5") in scanned
    assert served.url("/sitemaps/en.xml.gz") in scanned and scanned[served.url("/sitemap.xml")].links == 2
    kinds = dict(rows(faulty.path, "SELECT url, kind FROM crawl_urls"))
    assert kinds[served.url("/sitemap.xml")] == kinds[served.url("/sitemaps/es.xml")] == "sitemap"
    assert kinds[served.url("/fr/projets?page=2")] == "listing"
    not_projects = {o.url for o in faulty.report.outcomes if o.outcome is Outcome.NOT_PROJECT}
    assert served.url("/project/fr-news-papouasie-nouvelle-legislation-migratoire") in not_projects
    locators = {locator for (locator,) in rows(faulty.path, "SELECT locator FROM sources")}
    assert not locators & (set(scanned) | not_projects)


def test_a_second_crawl_goes_on_where_the_first_stopped_and_fetches_nothing_again(tmp_path: Path,
                                                                                clean_site: ServedSite) -> None:
    engine = open_store(db_url(tmp_path / "again.db"))
    seeds = seed_links(start_urls(clean_site, SMALL_START))
    first = bounded(lambda: crawl(engine, seeds, fast()), CRAWL_SECONDS)
    before = clean_site.counts()
    second = bounded(lambda: crawl(engine, seeds, fast()), CRAWL_SECONDS)
    engine.dispose()
    assert first.counts[Outcome.NEW] == 8 and first.counts[Outcome.NOT_PROJECT] == 4
    assert second.outcomes == []
    assert clean_site.counts() == before  # not even robots.txt: nothing was left to fetch


def test_update_gets_304s_fetches_nothing_new_and_stores_what_changed(tmp_path: Path,
                                                                      clean_site: ServedSite) -> None:
    path = tmp_path / "update.db"
    engine = open_store(db_url(path))
    bounded(lambda: crawl(engine, seed_links(start_urls(clean_site, SMALL_START)), fast()), CRAWL_SECONDS)
    known = {url for (url,) in rows(path, "SELECT url FROM crawl_urls")}
    snapshots = rows(path, "SELECT count(*) FROM snapshots")[0][0]

    start = len(clean_site.requests)
    quiet = bounded(lambda: update(engine, fast()), CRAWL_SECONDS)
    requests = clean_site.requests[start:]
    assert {o.outcome for o in quiet.outcomes} == {Outcome.UNCHANGED}
    assert {o.url for o in quiet.outcomes} == known
    assert sorted(clean_site.url(r.path) for r in requests if r.path != "/robots.txt") == sorted(known)
    pages = [r for r in requests if r.path in clean_site.site.pages]
    assert pages and all(r.headers.get("If-None-Match") and r.headers.get("If-Modified-Since") for r in pages)
    assert {o.status for o in quiet.outcomes if o.kind == "page"} == {304}
    assert rows(path, "SELECT count(*) FROM snapshots") == [(snapshots,)]

    changed_path = "/es/node/172061"
    body = clean_site.site.routes[changed_path].body.replace(b"</main>", b"<p>Actualizado en 2026.</p></main>")
    clean_site.site.set_page(changed_path, body)
    busy = bounded(lambda: update(engine, fast()), CRAWL_SECONDS)
    engine.dispose()
    by_outcome = {o.url: o.outcome for o in busy.outcomes}
    assert by_outcome.pop(clean_site.url(changed_path)) is Outcome.CHANGED
    assert set(by_outcome.values()) == {Outcome.UNCHANGED}
    assert rows(path, "SELECT count(*) FROM snapshots") == [(snapshots + 1,)]
    assert rows(path, "SELECT count(*), max(r.version) FROM sightings g JOIN sources s ON s.id = g.source_id "
                      "JOIN records r ON r.source_id = s.id AND r.is_current WHERE s.locator = ?",
                clean_site.url(changed_path)) == [(2, 2)]


def test_a_page_that_disappears_fails_with_its_reason_and_the_store_keeps_it(tmp_path: Path,
                                                                            clean_site: ServedSite) -> None:
    path = tmp_path / "gone.db"
    engine = open_store(db_url(path))
    target = "/fr/node/174751"
    bounded(lambda: crawl(engine, seed_links([clean_site.url(target)]), fast()), CRAWL_SECONDS)
    del clean_site.site.routes[target]
    report = bounded(lambda: update(engine, fast()), CRAWL_SECONDS)
    engine.dispose()
    [gone] = report.outcomes
    assert (gone.outcome, gone.reason) == (Outcome.FAILED, "HTTP 404 Not Found")
    assert rows(path, "SELECT count(*) FROM sources") == [(1,)]


def test_the_frontier_stops_growing_at_max_urls(tmp_path: Path, clean_site: ServedSite) -> None:
    engine = open_store(db_url(tmp_path / "small.db"))
    report = bounded(lambda: crawl(engine, seed_links([clean_site.url("/fr/projets")]), fast(max_urls=5)),
                     CRAWL_SECONDS)
    engine.dispose()
    assert len(report.outcomes) == 5
    [listing] = [o for o in report.outcomes if o.url == clean_site.url("/fr/projets")]
    assert listing.reason == "11 link(s), 4 new, 7 not queued (--max-urls or --max-depth)"


# --- politeness ------------------------------------------------------------------------------------


def test_the_polite_defaults() -> None:
    assert (DEFAULT_RATE, DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT) == (1.0, 2, 30.0)
    assert (DEFAULT_MAX_BYTES, DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_REDIRECTS) == (5 * 1024 * 1024, 4, 5)
    settings = CrawlSettings()
    assert settings.allow_hosts == ("iom.int",) and settings.interval == 1.0
    assert settings.user_agent.startswith(f"fundatlas/{__version__} (")
    assert "IOM Development Fund" in settings.user_agent


def test_the_default_rate_spaces_requests_to_a_host_a_second_apart(tmp_path: Path, clean_site: ServedSite) -> None:
    engine = open_store(db_url(tmp_path / "slow.db"))
    settings = CrawlSettings(allow_hosts=("127.0.0.1",))  # every other setting is the default
    report = bounded(lambda: crawl(engine, seed_links([clean_site.url("/fr/node/174751")]), settings), 10)
    engine.dispose()
    assert [o.outcome for o in report.outcomes] == [Outcome.NEW]
    times = [r.at for r in clean_site.requests]
    assert [r.path for r in clean_site.requests] == ["/robots.txt", "/fr/node/174751"]
    assert times[1] - times[0] >= 0.95


def test_a_crawl_delay_in_robots_txt_slows_the_crawl_down(tmp_path: Path) -> None:
    with ServedSite(Site(faults=False, robots="User-agent: *\nCrawl-delay: 1\n")) as served:
        engine = open_store(db_url(tmp_path / "delay.db"))
        report = bounded(lambda: crawl(engine, seed_links(start_urls(served, "/fr/node/174751", "/fr/node/175466")),
                                       fast()), 10)
        engine.dispose()
    assert [o.outcome for o in report.outcomes] == [Outcome.NEW, Outcome.NEW]
    times = [r.at for r in served.requests]
    assert len(times) == 3 and times[1] - times[0] >= 0.95 and times[2] - times[1] >= 0.95


def test_robots_txt_is_matched_on_the_fundatlas_token(tmp_path: Path) -> None:
    robots = "User-agent: fundatlas\nDisallow: /fr/\n\nUser-agent: *\nDisallow:\n"
    with ServedSite(Site(faults=False, robots=robots)) as served:
        engine = open_store(db_url(tmp_path / "token.db"))
        report = bounded(lambda: crawl(engine, seed_links(start_urls(served, "/fr/node/174751", "/es/node/172061")),
                                       fast()), 10)
        engine.dispose()
    assert {o.url.rsplit("/", 3)[-3]: o.outcome for o in report.outcomes} == {"fr": Outcome.SKIPPED,
                                                                              "es": Outcome.NEW}
    assert served.hits("/fr/node/174751") == 0


def test_a_robots_txt_that_fails_with_5xx_means_nothing_is_fetched(tmp_path: Path) -> None:
    site = Site(faults=False)
    site.routes["/robots.txt"].status = 503
    with ServedSite(site) as served:
        engine = open_store(db_url(tmp_path / "robots503.db"))
        report = bounded(lambda: crawl(engine, seed_links([served.url("/fr/node/174751")]), fast()), 10)
        engine.dispose()
    [outcome] = report.outcomes
    assert outcome.outcome is Outcome.FAILED
    assert outcome.reason == ("robots.txt unreachable (HTTP 503 Service Unavailable); not fetched "
                              "(after 3 attempts)")
    # asked again for each retry, unless the last answer is fresher than the backoff
    assert served.hits("/fr/node/174751") == 0 and 2 <= served.hits("/robots.txt") <= 3



def test_a_retry_after_longer_than_the_limit_fails_the_url_for_now(tmp_path: Path) -> None:
    site = Site(faults=False)
    site.routes["/fr/node/174751"] = Response(429, b"later", {"Retry-After": "3600"})
    with ServedSite(site) as served:
        engine = open_store(db_url(tmp_path / "later.db"))
        report = bounded(lambda: crawl(engine, seed_links([served.url("/fr/node/174751")]), fast()), 10)
        engine.dispose()
    [outcome] = report.outcomes
    assert (outcome.outcome, outcome.reason) == (
        Outcome.FAILED, "HTTP 429 Too Many Requests; Retry-After 3600 s is longer than 120 s")
    assert served.hits("/fr/node/174751") == 1


def test_a_server_that_is_not_there_fails_fast_with_its_reason(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = open_store(db_url(tmp_path / "nobody.db"))
    report = bounded(lambda: crawl(engine, seed_links([f"http://127.0.0.1:{port}/fr/node/1"]), fast()), 20)
    engine.dispose()
    [outcome] = report.outcomes
    assert outcome.outcome is Outcome.FAILED and outcome.reason is not None
    assert outcome.reason.startswith("robots.txt unreachable (connection failed (ConnectError")
    assert outcome.reason.endswith("; not fetched (after 3 attempts)")
