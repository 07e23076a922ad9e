"""SIGKILL (and Ctrl-C) in the middle of `fundatlas crawl`: a re-run goes on where it stopped.

A real subprocess crawls the test site slowly and is killed once some pages are done. The store
must be sound, every page marked done must be stored (and nothing stored that is not done), and
running the same command again must fetch no finished URL a second time and end with exactly
what an uninterrupted crawl stores.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from crawl_helpers import FAST, FAST_OPTIONS, bounded, db_url, env_without_proxy, rows
from crawl_site import ServedSite

from fundatlas.crawl import CrawlReport, Outcome, crawl, seed_links
from fundatlas.store import open_store
from fundatlas.store.queries import canonical_dump
from fundatlas.store.schema import projects

FUNDATLAS = [sys.executable, "-m", "fundatlas"]
KILL_AFTER_PAGES = 12
#: What two stores that crawled the same site must agree on in the frontier (not ids, times or order).
FRONTIER = "SELECT url, kind, state, outcome, last_status, content_sha256, etag, last_error FROM crawl_urls"


def _command(db: Path, served: ServedSite, *options: str) -> list[str]:
    return [*FUNDATLAS, "crawl", "--db", db_url(db), *FAST_OPTIONS, *options,
            served.url("/fr/projets"), served.url("/sitemap.xml")]


def _done_pages(db: Path) -> int:
    try:
        return int(rows(db, "SELECT count(*) FROM crawl_urls WHERE state = 'done' AND kind = 'page'")[0][0])
    except Exception:
        return 0  # not created or not migrated yet


def _start_and_stop(command: list[str], db: Path, stop: signal.Signals) -> subprocess.Popen[str]:
    # A job started in the background by a non-interactive shell (a CI runner may) ignores SIGINT,
    # and so would the crawl it starts: give the crawl the default, as a terminal's Ctrl-C finds it.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env_without_proxy(),
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while process.poll() is None and _done_pages(db) < KILL_AFTER_PAGES and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, f"the crawl ended before it could be stopped: {process.communicate()!r}"
    os.kill(process.pid, stop)
    process.wait(timeout=30)
    return process


def _crawl_in_process(db: Path, served: ServedSite) -> CrawlReport:
    engine = open_store(db_url(db))
    try:
        return bounded(lambda: crawl(engine, seed_links([served.url("/fr/projets"), served.url("/sitemap.xml")]),
                                     FAST), 60)
    finally:
        engine.dispose()


def _assert_consistent(db: Path) -> None:
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    assert rows(db, "PRAGMA foreign_key_check") == []
    done = {url for (url,) in rows(db, "SELECT url FROM crawl_urls WHERE state = 'done' AND kind = 'page'")}
    stored = {locator for (locator,) in rows(db, "SELECT locator FROM sources")}
    assert done == stored  # a page and its URL's state are committed together


def _dump(db: Path) -> dict[str, Any]:
    engine = open_store(db_url(db))
    try:
        with engine.connect() as connection:
            dump: dict[str, Any] = canonical_dump(connection, history=True)
    finally:
        engine.dispose()
    dump["crawl_urls"] = sorted(rows(db, FRONTIER), key=repr)
    # projects.state_sha256 hashes row ids (project, record_id), which follow the order pages were
    # stored in: concurrent fetches store them in no fixed order, so it is left out of the comparison.
    state_at = [c.name for c in projects.c if c.name not in {"id", "created_at", "updated_at"}].index("state_sha256")
    dump["projects"] = sorted((row[:state_at] + row[state_at + 1:] for row in dump["projects"]), key=repr)
    return dump


def test_sigkill_midway_then_a_rerun_fetches_nothing_twice_and_ends_like_an_uninterrupted_crawl(
        tmp_path: Path, clean_site: ServedSite) -> None:
    killed, clean = tmp_path / "killed.db", tmp_path / "clean.db"
    slow = ["--rate", "40", "--concurrency", "2"]
    process = _start_and_stop(_command(killed, clean_site, *slow), killed, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL
    _assert_consistent(killed)
    finished = {url for (url,) in rows(killed, "SELECT url FROM crawl_urls WHERE state IN ('done', 'failed')")}
    assert len(finished) >= KILL_AFTER_PAGES
    assert rows(killed, "SELECT count(*) FROM crawl_urls WHERE state = 'queued'")[0][0] > 0  # really midway
    in_flight = rows(killed, "SELECT count(*) FROM crawl_urls WHERE state = 'fetching'")[0][0]
    assert in_flight <= 2

    rerun = subprocess.run(_command(killed, clean_site), capture_output=True, text=True, timeout=120,
                           env=env_without_proxy())
    assert rerun.returncode == 0, rerun.stderr
    counts = clean_site.counts()
    for url in finished:
        path = url.removeprefix(clean_site.base)
        assert counts[path] == 1, f"{path} was fetched {counts[path]} times"
    assert max(n for path, n in counts.items() if path != "/robots.txt") <= 2  # in flight when killed: twice
    assert counts["/robots.txt"] == 2  # once per run

    _crawl_in_process(clean, clean_site)  # the same crawl, uninterrupted, in another store
    _assert_consistent(killed)
    _assert_consistent(clean)
    killed_dump, clean_dump = _dump(killed), _dump(clean)
    assert killed_dump.keys() == clean_dump.keys()
    for table in killed_dump:
        assert killed_dump[table] == clean_dump[table], f"{table} differs after the re-run"


def test_ctrl_c_stops_cleanly_and_a_rerun_finishes(tmp_path: Path, clean_site: ServedSite) -> None:
    db = tmp_path / "interrupted.db"
    report = tmp_path / "interrupted.json"
    process = _start_and_stop(_command(db, clean_site, "--rate", "40", "--report", str(report)), db,
                              signal.SIGINT)
    _out, errors = process.communicate()
    assert process.returncode == 130, errors
    assert "interrupted" in errors and "run the same command again" in errors
    assert report.exists() and '"interrupted": true' in report.read_text(encoding="utf-8")
    _assert_consistent(db)
    assert rows(db, "SELECT count(*) FROM crawl_urls WHERE state = 'fetching'") == [(0,)]
    assert rows(db, "SELECT count(*) FROM crawl_runs WHERE finished_at IS NULL") == [(0,)]
    report = _crawl_in_process(db, clean_site)
    assert report.outcomes and not report.counts[Outcome.FAILED]
    assert rows(db, "SELECT count(*) FROM crawl_urls WHERE state <> 'done'") == [(0,)]
