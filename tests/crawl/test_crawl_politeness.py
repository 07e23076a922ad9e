"""Politeness, pure: settings, the User-Agent, backoff, Retry-After and the pace per host (a fake clock)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fundatlas import __version__
from fundatlas.crawl.politeness import (
    CrawlSettings,
    HostPacer,
    backoff_delay,
    parse_retry_after,
    user_agent,
)


def test_the_user_agent_names_fundatlas_its_version_and_optionally_a_contact() -> None:
    assert user_agent() == f"fundatlas/{__version__} (crawler of the IOM Development Fund's project pages)"
    assert user_agent(" ops@example.org ").endswith("project pages; +ops@example.org)")


def test_settings_refuse_nonsense() -> None:
    for bad in ({"rate": 0}, {"concurrency": 0}, {"timeout": -1}, {"max_attempts": 0}, {"max_bytes": 0}):
        with pytest.raises(ValueError):
            CrawlSettings(**bad)  # type: ignore[arg-type]
    assert CrawlSettings(rate=4).interval == 0.25


@pytest.mark.parametrize(("attempt", "low", "high"), [(1, 0.5, 1.5), (2, 1.0, 3.0), (3, 2.0, 6.0), (10, 60, 60)])
def test_backoff_doubles_with_jitter_and_a_ceiling(attempt: int, low: float, high: float) -> None:
    settings = CrawlSettings()
    assert backoff_delay(attempt, settings, rng=lambda: 0.0) == low
    assert backoff_delay(attempt, settings, rng=lambda: 1.0) == high


def test_retry_after_is_seconds_or_an_http_date() -> None:
    now = datetime(2025, 11, 3, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Mon, 03 Nov 2025 10:00:30 GMT", now) == 30.0
    assert parse_retry_after("Mon, 03 Nov 2025 09:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after("") is None and parse_retry_after(None) is None


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_pacer_spaces_requests_per_host() -> None:
    clock = FakeClock()
    pacer = HostPacer(1.0, clock)
    assert [pacer.reserve("a") for _ in range(3)] == [0.0, 1.0, 2.0]  # queued a second apart
    assert pacer.reserve("b") == 0.0  # another host is not held up
    clock.now += 10
    assert pacer.reserve("a") == 0.0


def test_crawl_delay_and_retry_after_slow_a_host_down() -> None:
    clock = FakeClock()
    pacer = HostPacer(0.1, clock)
    assert pacer.reserve("a") == 0.0
    pacer.set_crawl_delay("a", 2.0)  # applies from the last request on
    assert pacer.reserve("a") == 2.0
    pacer.set_crawl_delay("b", 0.01)  # a shorter delay never speeds the crawl up
    assert pacer.interval_for("b") == 0.1
    pacer.pause("c", 5.0)
    assert pacer.reserve("c") == 5.0
