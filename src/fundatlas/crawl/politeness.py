"""How the crawler behaves towards a site: its settings and defaults, the per-host pace, backoff.

The defaults are the polite ones for iom.int: one request a second per host (slower when
robots.txt asks for a Crawl-delay), two requests in flight at most, 5 MB and 30 s per page, four
attempts with exponential backoff and jitter, and a User-Agent that names fundatlas and its version.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from time import monotonic
from typing import Any

from fundatlas import __version__
from fundatlas.crawl.urls import DEFAULT_ALLOWED_HOSTS

DEFAULT_RATE = 1.0  # requests per second, per host
DEFAULT_CONCURRENCY = 2  # requests in flight, all hosts together
DEFAULT_MAX_BYTES = 5 * 1024 * 1024  # a body larger than this is cut off: "too large"
DEFAULT_TIMEOUT = 30.0  # seconds per page: connection, redirects and the whole body together
DEFAULT_CONNECT_TIMEOUT = 10.0  # seconds to connect, and between two reads of the body
DEFAULT_MAX_ATTEMPTS = 4  # the first try and three retries (timeouts, 5xx, 429, broken connections)
DEFAULT_BACKOFF = 1.0  # seconds before the first retry; doubled each time, with ±50 % jitter
DEFAULT_MAX_BACKOFF = 60.0
DEFAULT_MAX_RETRY_AFTER = 120.0  # a longer Retry-After fails the URL for now rather than wait that long
DEFAULT_MAX_REDIRECTS = 5
DEFAULT_MAX_URLS = 10_000  # the frontier stops growing here
DEFAULT_MAX_DEPTH = 500  # links followed from a start URL (each page of a listing counts one)
#: Where the User-Agent's comment starts; ``--contact`` adds a way to reach whoever runs the crawl.
USER_AGENT_COMMENT = "crawler of the IOM Development Fund's project pages"


def user_agent(contact: str | None = None) -> str:
    """``fundatlas/0.1.0 (crawler of the IOM Development Fund's project pages; +CONTACT)``."""
    comment = USER_AGENT_COMMENT + (f"; +{contact.strip()}" if contact and contact.strip() else "")
    return f"fundatlas/{__version__} ({comment})"


#: The product token robots.txt groups are matched against.
ROBOTS_AGENT = "fundatlas"


@dataclass(frozen=True, slots=True)
class CrawlSettings:
    """Everything a crawl run is allowed to do; the defaults are the polite ones."""

    allow_hosts: tuple[str, ...] = DEFAULT_ALLOWED_HOSTS
    rate: float = DEFAULT_RATE
    concurrency: int = DEFAULT_CONCURRENCY
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = DEFAULT_TIMEOUT
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff: float = DEFAULT_BACKOFF
    max_backoff: float = DEFAULT_MAX_BACKOFF
    max_retry_after: float = DEFAULT_MAX_RETRY_AFTER
    max_redirects: int = DEFAULT_MAX_REDIRECTS
    max_urls: int = DEFAULT_MAX_URLS
    max_depth: int = DEFAULT_MAX_DEPTH
    user_agent: str = field(default_factory=user_agent)

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.concurrency < 1 or self.max_bytes < 1 or self.timeout <= 0:
            raise ValueError("rate, concurrency, max_bytes and timeout must be positive")
        if self.max_attempts < 1 or self.max_redirects < 0 or self.max_urls < 1 or self.max_depth < 0:
            raise ValueError("max_attempts, max_urls must be at least 1; max_redirects, max_depth at least 0")

    @property
    def interval(self) -> float:
        """Seconds between two requests to one host."""
        return 1.0 / self.rate

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def backoff_delay(attempt: int, settings: CrawlSettings, rng: Callable[[], float] = random.random) -> float:
    """Seconds to wait before attempt ``attempt + 1`` (``attempt`` ≥ 1 attempts failed):
    ``backoff × 2^(attempt-1)``, times a jitter between 0.5 and 1.5, at most ``max_backoff``."""
    base = settings.backoff * 2.0 ** max(attempt - 1, 0)
    return min(base * (0.5 + rng()), settings.max_backoff)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """A Retry-After header in seconds: delta-seconds or an HTTP-date; None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


class HostPacer:
    """Spaces requests to each host: one per ``interval`` seconds (or the host's Crawl-delay, if
    longer); a host that answered 429 or 503 with Retry-After is left alone that long.

    Callers reserve the next free slot and sleep until it comes, so requests to one host never
    come closer than the interval, whatever the concurrency.
    """

    def __init__(self, interval: float, clock: Callable[[], float] = monotonic) -> None:
        self.interval = interval
        self._clock = clock
        self._next: dict[str, float] = {}
        self._last: dict[str, float] = {}
        self._delay: dict[str, float] = {}

    def set_crawl_delay(self, host: str, seconds: float) -> None:
        """Space requests to ``host`` at least ``seconds`` apart, from the last one on."""
        self._delay[host] = max(seconds, 0.0)
        if host in self._last:
            self._next[host] = max(self._next.get(host, 0.0), self._last[host] + self.interval_for(host))

    def interval_for(self, host: str) -> float:
        return max(self.interval, self._delay.get(host, 0.0))

    def pause(self, host: str, seconds: float) -> None:
        """No request to ``host`` for ``seconds`` from now."""
        self._next[host] = max(self._next.get(host, 0.0), self._clock() + seconds)

    def reserve(self, host: str) -> float:
        """Take the next slot for ``host``; returns how long to wait for it."""
        now = self._clock()
        slot = max(now, self._next.get(host, 0.0))
        self._last[host] = slot
        self._next[host] = slot + self.interval_for(host)
        return slot - now

    async def wait(self, host: str) -> float:
        """Sleep until the next slot for ``host``; returns the seconds waited."""
        delay = self.reserve(host)
        if delay > 0:
            await asyncio.sleep(delay)
        return delay
