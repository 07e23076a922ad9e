"""The polite crawler: discover the Fund's project pages, fetch them, store them through ingest.

    from fundatlas.crawl import CrawlSettings, crawl, seed_links, update
    report = crawl(engine, seed_links(["https://www.iom.int/fr/projets"]), CrawlSettings())
    report.counts      # Counter of Outcome: new, changed, unchanged, scanned, not a project, skipped, failed

``urls`` (pure: normalising, the allow-list, links of pages and sitemaps), ``politeness``
(settings, defaults, the pace per host, backoff), ``fetch`` (httpx: robots.txt, redirects, limits),
``frontier`` (the URLs' states in the store) and ``crawler`` (the workers) are its parts.
"""

from __future__ import annotations

from fundatlas.crawl.crawler import (
    Crawler,
    CrawlOutcome,
    CrawlReport,
    Outcome,
    OutcomeHandler,
    crawl,
    crawl_async,
    seed_links,
    update,
)
from fundatlas.crawl.frontier import State, state_counts
from fundatlas.crawl.politeness import (
    DEFAULT_CONCURRENCY,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_REDIRECTS,
    DEFAULT_RATE,
    DEFAULT_TIMEOUT,
    CrawlSettings,
    user_agent,
)
from fundatlas.crawl.urls import DEFAULT_ALLOWED_HOSTS, BadUrl, Link, UrlKind, normalize_url

__all__ = [
    "DEFAULT_ALLOWED_HOSTS",
    "DEFAULT_CONCURRENCY",
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_REDIRECTS",
    "DEFAULT_RATE",
    "DEFAULT_TIMEOUT",
    "BadUrl",
    "CrawlOutcome",
    "CrawlReport",
    "CrawlSettings",
    "Crawler",
    "Link",
    "Outcome",
    "OutcomeHandler",
    "State",
    "UrlKind",
    "crawl",
    "crawl_async",
    "normalize_url",
    "seed_links",
    "state_counts",
    "update",
    "user_agent",
]
