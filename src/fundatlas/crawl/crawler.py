"""The crawl: workers take URLs from the frontier, fetch them politely, and settle each one.

A project page (``parse_page(...).is_project``) is stored through ``fundatlas.ingest.ingest_one``,
the very code path of ``fundatlas ingest`` (snapshot, source, record, merged project, findings),
in the same transaction that marks its URL done and queues the links it holds. Listings, sitemaps
and other pages are only read for links: their bytes are not stored (their SHA-256 and validators
are, so an unchanged listing costs a 304 and no parsing). A URL that already has a source in the
store is always ingested, so a page that stops being a project page is recorded as such.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from fundatlas.crawl import frontier
from fundatlas.crawl.fetch import ACCEPT, XML_TYPES, Fetched, Fetcher, FetchFailure, FetchResult, NotModified
from fundatlas.crawl.frontier import FrontierUrl, State
from fundatlas.crawl.politeness import CrawlSettings, HostPacer, backoff_delay
from fundatlas.crawl.urls import (
    Link,
    SitemapError,
    UrlKind,
    guess_kind,
    html_links,
    is_allowed_host,
    looks_like_sitemap,
    normalize_url,
    sitemap_links,
)
from fundatlas.ingest import PageInput, Status, ingest_one
from fundatlas.pipeline import parse_page
from fundatlas.store.repository import find_source, utcnow


class Outcome(StrEnum):
    """What became of one URL in a run."""

    NEW = "new"  # a project page stored for the first time
    CHANGED = "changed"  # a stored page whose bytes changed: a new snapshot and record
    UNCHANGED = "unchanged"  # 304, or the same bytes as last time: nothing written
    SCANNED = "scanned"  # a listing or sitemap, read for links (not stored)
    NOT_PROJECT = "not a project"  # an HTML page that is no project page and links to none
    SKIPPED = "skipped"  # not fetched on purpose: robots.txt, a host off the allow-list
    FAILED = "failed"  # could not be had (the reason says why)


@dataclass(frozen=True, slots=True)
class CrawlOutcome:
    """One URL's outcome in a run."""

    url: str
    outcome: Outcome
    reason: str | None = None
    status: int | None = None  # the last HTTP status
    kind: str | None = None  # page, listing, sitemap or other
    project: str | None = None  # the project's key in the store
    lang: str | None = None
    sha256: str | None = None
    links: int = 0  # new URLs it added to the frontier
    attempts: int = 1
    final_url: str | None = None  # where redirects led

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "outcome": str(self.outcome), "reason": self.reason, "status": self.status,
                "kind": self.kind, "project": self.project, "lang": self.lang, "sha256": self.sha256,
                "links": self.links, "attempts": self.attempts, "final_url": self.final_url}


#: Called after each URL is settled, with the frontier's counts per state.
OutcomeHandler = Callable[[CrawlOutcome, dict[str, int]], None]


@dataclass(slots=True)
class CrawlReport:
    """What a run did."""

    run_id: int
    command: str
    outcomes: list[CrawlOutcome] = field(default_factory=list)
    frontier: dict[str, int] = field(default_factory=dict)

    @property
    def counts(self) -> Counter[Outcome]:
        return Counter(outcome.outcome for outcome in self.outcomes)

    def to_dict(self) -> dict[str, Any]:
        return {"run": self.run_id, "command": self.command,
                "counts": {str(kind): self.counts[kind] for kind in Outcome},
                "frontier": self.frontier, "outcomes": [outcome.to_dict() for outcome in self.outcomes]}


def seed_links(urls: Iterable[str]) -> list[Link]:
    """Start URLs, normalised, with their kind guessed from their shape; raises ``BadUrl``."""
    links: dict[str, Link] = {}
    for url in urls:
        normal = normalize_url(url)
        links.setdefault(normal, Link(normal, guess_kind(normal)))
    return list(links.values())


class Crawler:
    """One run over the frontier of a store."""

    def __init__(self, engine: Engine, settings: CrawlSettings, *, run_id: int | None = None,
                 on_outcome: OutcomeHandler | None = None, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.run_id = run_id
        self.settings = settings
        self.on_outcome = on_outcome
        self.clock = clock
        self.pacer = HostPacer(settings.interval)
        self._changed = asyncio.Event()
        self._busy = 0

    async def run(self, report: CrawlReport) -> None:
        """Work until nothing is queued; URLs claimed but not settled are queued again on the way out."""
        settings = self.settings
        limits = httpx.Limits(max_connections=settings.concurrency + 1,
                              max_keepalive_connections=settings.concurrency + 1)
        timeout = httpx.Timeout(min(settings.connect_timeout, settings.timeout))
        headers = {"User-Agent": settings.user_agent, "Accept": ACCEPT}
        try:
            async with httpx.AsyncClient(headers=headers, timeout=timeout, limits=limits,
                                         follow_redirects=False) as client:
                fetcher = Fetcher(client, settings, self.pacer)
                workers = [asyncio.create_task(self._worker(fetcher, report)) for _ in range(settings.concurrency)]
                try:
                    await asyncio.gather(*workers)
                finally:
                    for worker in workers:
                        worker.cancel()
                    await asyncio.gather(*workers, return_exceptions=True)
        finally:
            frontier.release_claims(self.engine)

    async def _worker(self, fetcher: Fetcher, report: CrawlReport) -> None:
        while True:
            self._changed.clear()
            item = frontier.claim(self.engine, self.clock())
            if item is None:
                more, wake = frontier.next_wake(self.engine)
                if not more and self._busy == 0:
                    self._changed.set()  # let the other workers see that the crawl is over
                    return
                delay = None if wake is None else max((wake - self.clock()).total_seconds(), 0.01)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout=delay)
                continue
            self._busy += 1
            try:
                outcome = await self._handle(fetcher, item)
            finally:
                self._busy -= 1
                self._changed.set()
            if outcome is not None:
                report.outcomes.append(outcome)
                if self.on_outcome is not None:
                    self.on_outcome(outcome, frontier.state_counts(self.engine))

    async def _handle(self, fetcher: Fetcher, item: FrontierUrl) -> CrawlOutcome | None:
        if not is_allowed_host(item.host, self.settings.allow_hosts):
            result: FetchResult = FetchFailure(f"host not on the allow-list: {item.host}", skipped=True)
        else:
            verdict = await fetcher.robots_verdict(item.url)
            result = verdict if verdict is not None else await fetcher.fetch(
                item.url, expect=item.kind, etag=item.etag, last_modified=item.last_modified)
        if isinstance(result, FetchFailure):
            return self._failure(item, result)
        if isinstance(result, NotModified):
            return self._not_modified(item, result)
        try:
            return self._fetched(item, result)
        except SQLAlchemyError:
            raise
        except Exception as exc:  # a bug must cost one URL, not the run
            return self._failure(item, FetchFailure(f"internal error: {type(exc).__name__}: {exc}",
                                                    status=result.status))

    # --- settling a URL -----------------------------------------------------------------------

    def _settle(self, item: FrontierUrl, outcome: CrawlOutcome, state: State, connection: Connection | None = None,
                validators: dict[str, Any] | None = None) -> CrawlOutcome:
        """Record a URL's outcome (in ``connection``'s transaction, or a transaction of its own)."""
        fields: dict[str, Any] = {
            "state": state.value, "outcome": outcome.outcome.value, "kind": outcome.kind or item.kind.value,
            "last_error": outcome.reason if outcome.outcome in (Outcome.FAILED, Outcome.SKIPPED) else None,
            "last_status": outcome.status, "next_attempt_at": None, "final_url": outcome.final_url,
            "last_run": self.run_id, **(validators or {}),
        }
        if outcome.status is not None:
            fields["last_fetched_at"] = self.clock()
        if connection is not None:
            frontier.finish(connection, item.id, **fields)
        else:
            with frontier.write_transaction(self.engine) as own:
                frontier.finish(own, item.id, **fields)
        return outcome

    def _failure(self, item: FrontierUrl, failure: FetchFailure) -> CrawlOutcome | None:
        """A failed or refused fetch: skipped, queued again for a retry (None), or failed."""
        settings = self.settings
        outcome = CrawlOutcome(item.url, Outcome.FAILED, failure.reason, failure.status, item.kind.value,
                               attempts=item.attempts,
                               final_url=failure.url if failure.url not in (None, item.url) else None)
        if failure.skipped:
            return self._settle(item, replace(outcome, outcome=Outcome.SKIPPED), State.SKIPPED)
        reason = failure.reason
        retry_after = failure.retry_after
        if failure.retryable and retry_after is not None and retry_after > settings.max_retry_after:
            reason += f"; Retry-After {retry_after:g} s is longer than {settings.max_retry_after:g} s"
        elif failure.retryable and item.attempts < settings.max_attempts:
            wait = retry_after if retry_after is not None else backoff_delay(item.attempts, settings)
            if retry_after is not None:
                self.pacer.pause(urlsplit(failure.url or item.url).netloc, retry_after)
            with frontier.write_transaction(self.engine) as connection:
                frontier.finish(connection, item.id, state=State.QUEUED.value, last_error=f"{reason} (will retry)",
                                last_status=failure.status, last_fetched_at=self.clock(), last_run=self.run_id,
                                next_attempt_at=self.clock() + timedelta(seconds=wait))
            return None
        elif failure.retryable:
            reason += f" (after {item.attempts} attempts)"
        return self._settle(item, replace(outcome, reason=reason), State.FAILED)

    def _not_modified(self, item: FrontierUrl, answer: NotModified) -> CrawlOutcome:
        outcome = CrawlOutcome(item.url, Outcome.UNCHANGED, "304 Not Modified", answer.status, item.kind.value,
                               sha256=item.content_sha256, attempts=item.attempts,
                               final_url=answer.url if answer.url != item.url else None)
        validators = {"etag": answer.etag or item.etag, "last_modified": answer.last_modified or item.last_modified}
        return self._settle(item, outcome, State.DONE, validators=validators)

    def _fetched(self, item: FrontierUrl, fetched: Fetched) -> CrawlOutcome:
        """A 200: a sitemap is read for links; an HTML page is parsed, stored when it is a project
        page, and read for links."""
        data = fetched.body
        sha256 = hashlib.sha256(data).hexdigest()
        base = CrawlOutcome(item.url, Outcome.UNCHANGED, "same bytes as last time", fetched.status, item.kind.value,
                            sha256=sha256, attempts=item.attempts,
                            final_url=fetched.url if fetched.url != item.url else None)
        validators = {"etag": fetched.etag, "last_modified": fetched.last_modified, "content_sha256": sha256}
        if looks_like_sitemap(data) or fetched.media_type in XML_TYPES:
            return self._sitemap(item, fetched, base, validators)
        with frontier.write_transaction(self.engine) as connection:
            known = find_source(connection, item.url)
            last_sha256 = known.latest_sha256 if known is not None else item.content_sha256
            if last_sha256 == sha256:
                return self._settle(item, base, State.DONE, connection, validators)
            result = parse_page(data, url=item.url)
            if result.errors:
                failed = replace(base, outcome=Outcome.FAILED, reason="; ".join(result.errors))
                return self._settle(item, failed, State.FAILED, connection)
            links = html_links(data, fetched.url, self.settings.allow_hosts)
            added, dropped = self._queue(connection, item, links)
            if result.is_project or known is not None:
                kind = UrlKind.PAGE if result.is_project else UrlKind.OTHER
                outcome = self._ingest(connection, item, data, replace(base, kind=kind.value, links=added),
                                       new_source=known is None, dropped=dropped)
                if outcome.outcome is Outcome.FAILED:
                    return self._settle(item, outcome, State.FAILED, connection)
                return self._settle(item, outcome, State.DONE, connection, validators)
            if links:
                outcome = replace(base, outcome=Outcome.SCANNED, reason=_links_reason(len(links), added, dropped),
                                  kind=UrlKind.LISTING.value, lang=result.source.lang, links=added)
            else:
                outcome = replace(base, outcome=Outcome.NOT_PROJECT, reason="no project fields and no project links",
                                  kind=UrlKind.OTHER.value, lang=result.source.lang)
            return self._settle(item, outcome, State.DONE, connection, validators)

    def _sitemap(self, item: FrontierUrl, fetched: Fetched, base: CrawlOutcome,
                 validators: dict[str, Any]) -> CrawlOutcome:
        base = replace(base, kind=UrlKind.SITEMAP.value)
        with frontier.write_transaction(self.engine) as connection:
            if item.content_sha256 == base.sha256:
                return self._settle(item, base, State.DONE, connection, validators)
            try:
                links = sitemap_links(fetched.body, fetched.url, self.settings.allow_hosts,
                                      max_bytes=self.settings.max_bytes)
            except SitemapError as exc:
                failed = replace(base, outcome=Outcome.FAILED, reason=f"not a sitemap: {exc}")
                return self._settle(item, failed, State.FAILED, connection)
            added, dropped = self._queue(connection, item, links)
            outcome = replace(base, outcome=Outcome.SCANNED, reason=_links_reason(len(links), added, dropped),
                              links=added)
            return self._settle(item, outcome, State.DONE, connection, validators)

    def _queue(self, connection: Connection, item: FrontierUrl, links: Sequence[Link]) -> tuple[int, int]:
        if not links:
            return 0, 0
        if item.depth + 1 > self.settings.max_depth:
            return 0, len(links)
        return frontier.add_links(connection, links, depth=item.depth + 1, parent=item.url, now=self.clock(),
                                  max_urls=self.settings.max_urls)

    def _ingest(self, connection: Connection, item: FrontierUrl, data: bytes, base: CrawlOutcome, *,
                new_source: bool, dropped: int) -> CrawlOutcome:
        """Store the page through ``ingest_one``, in the caller's transaction."""
        stored, _wrote = ingest_one(connection, PageInput(item.url, item.url, "url", data), self.clock())
        base = replace(base, project=stored.project, lang=stored.lang)
        if stored.status is Status.REJECTED:
            return replace(base, outcome=Outcome.FAILED, reason=f"not stored: {stored.reason}")
        if stored.status is Status.UNCHANGED:
            return base
        notes = [stored.reason if stored.reason != "new" else None,
                 f"{dropped} link(s) not queued (--max-urls or --max-depth)" if dropped else None]
        return replace(base, outcome=Outcome.NEW if new_source else Outcome.CHANGED,
                       reason="; ".join(note for note in notes if note) or None)


def _links_reason(found: int, added: int, dropped: int) -> str:
    text = f"{found} link(s), {added} new"
    return text + (f", {dropped} not queued (--max-urls or --max-depth)" if dropped else "")


async def crawl_async(engine: Engine, seeds: Sequence[Link] = (), settings: CrawlSettings | None = None, *,
                      command: str = "crawl", on_outcome: OutcomeHandler | None = None,
                      requeue: bool = False) -> CrawlReport:
    """``crawl`` inside a running event loop."""
    chosen = settings or CrawlSettings()
    now = utcnow()
    run_id = frontier.start_run(engine, command, chosen, now)
    report = CrawlReport(run_id, command)
    frontier.release_claims(engine)
    if requeue:
        frontier.requeue_finished(engine)
    if seeds:
        frontier.add_seeds(engine, seeds, now, chosen.max_urls)
    interrupted = True
    try:
        await Crawler(engine, chosen, run_id=run_id, on_outcome=on_outcome).run(report)
        interrupted = False
    finally:
        report.frontier = frontier.state_counts(engine)
        counts: dict[str, Any] = {str(kind): report.counts[kind] for kind in Outcome}
        frontier.end_run(engine, run_id, {**counts, "interrupted": interrupted}, utcnow())
    return report


def crawl(engine: Engine, seeds: Sequence[Link] = (), settings: CrawlSettings | None = None, *,
          on_outcome: OutcomeHandler | None = None) -> CrawlReport:
    """Crawl from ``seeds`` (see ``seed_links``) and whatever the frontier still holds queued.

    A URL already finished in an earlier run is not fetched again (a killed run goes on where it
    stopped); ``update`` fetches every known URL again.
    """
    return asyncio.run(crawl_async(engine, seeds, settings, on_outcome=on_outcome))


def update(engine: Engine, settings: CrawlSettings | None = None, *,
           on_outcome: OutcomeHandler | None = None) -> CrawlReport:
    """Fetch every URL the frontier knows again, conditionally (ETag, Last-Modified), ingesting what changed
    and following what is new."""
    return asyncio.run(crawl_async(engine, (), settings, command="update", on_outcome=on_outcome, requeue=True))
