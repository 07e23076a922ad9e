"""Four `fundatlas ingest` runs at once on overlapping pages, and 20 API readers, on both databases.

The store starts empty (created, no page). `fundatlas serve --workers 2` serves it; then four
`fundatlas ingest` processes start together, each on half of a set of synthetic pages (every page
is in two of them, in opposite orders) and on all the bundled pages, while 20 threads read the API
(searches, facets, statistics, one project, health) for ``READ_SECONDS``. In the end:

* no error anywhere: every ingest exits 0 with no page rejected, every request answers 200 (404
  for a project not ingested yet), the server logs no traceback;
* each page was stored once: across the four runs, every source is "stored" or "not a project"
  exactly once and "unchanged" in the other runs;
* the store equals a sequential run of the same four inputs, history included (canonical dump),
  passes the integrity check, and every source's record versions run 1, 2, … without a gap.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
from backends import Databases
from store_helpers import PAGES, ingest_paths, rows

from fundatlas.pipeline import parse_page
from fundatlas.store import open_store
from fundatlas.store.database import integrity_check
from fundatlas.store.merge import identity_of
from fundatlas.store.queries import canonical_dump
from fundatlas.synthetic import synthetic_pages

FUNDATLAS = [sys.executable, "-m", "fundatlas"]
SYNTHETIC_PAGES = 240  # of which about 225 are kept (see _order_free_pages)
INGESTS = 4
READERS = 20
READ_SECONDS = 30.0
READS = ["/api/health", "/api/projects?q=migration", "/api/projects?q=trafficking&per_page=5",
         "/api/projects?q=%22migration%20policy%22&sort=-budget", "/api/projects?country=FJI", "/api/facets",
         "/api/stats?by=year", "/api/countries", "/api/findings?severity=warning&limit=20"]
DETAIL = "/api/projects/PO.0196"


def _order_free_pages() -> list[str]:
    """Synthetic pages (as JSON lines) whose result cannot depend on the order pages arrive in: each
    shows a project ID, and no other page (bundled ones included) shows that project in its
    language. (Where two sources show a project in the same language, the one that changed last
    wins, and a page with only a PRIMA ID joins a project depending on what is there already.)"""
    taken = {(r.project.project_id, r.source.lang) for path in sorted(PAGES.glob("*.txt"))
             if (r := parse_page(path.read_bytes(), path=str(path))).project is not None}
    lines = []
    for page in synthetic_pages(SYNTHETIC_PAGES, seed=11):
        result = parse_page(page.text, url=page.url)
        project = result.project
        if project is None or not project.project_id:
            continue
        identity = (identity_of(project, locator=page.url).key.removeprefix("project_id:"), result.source.lang)
        if identity in taken:
            continue
        taken.add(identity)
        lines.append(json.dumps({"url": page.url, "text": page.text}, ensure_ascii=False))
    return lines


def _inputs(folder: Path) -> tuple[list[Path], int]:
    """Four JSON-lines files: quarter i and quarter i+1 of the pages (every page in two), and how
    many pages there are."""
    pages = _order_free_pages()
    quarter = len(pages) // INGESTS
    parts = [pages[i * quarter:(i + 1) * quarter] for i in range(INGESTS)]
    files = []
    for i in range(INGESTS):
        lines = parts[i] + parts[(i + 1) % INGESTS]
        path = folder / f"pages-{i}.jsonl"
        path.write_text("\n".join(lines if i % 2 == 0 else lines[::-1]) + "\n", encoding="utf-8")
        files.append(path)
    return files, quarter * INGESTS


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_server(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        server = subprocess.Popen([*FUNDATLAS, "serve", "--db", url, "--port", str(port), "--workers", "2"],
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text(errors="replace")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the API did not start: {log.read_text(errors='replace')}")


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)


class Readers:
    """``READERS`` threads reading the API until ``stop`` is set; they count requests and errors."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.stop = threading.Event()
        self.requests = 0
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self.threads = [threading.Thread(target=self._read, args=(n,), daemon=True) for n in range(READERS)]

    def _read(self, number: int) -> None:
        choose = random.Random(number)
        with httpx.Client(base_url=self.base, timeout=60) as client:
            while not self.stop.is_set():
                path = choose.choice([*READS, DETAIL])
                try:
                    status = client.get(path).status_code
                    problem = None if status == 200 or (status == 404 and path == DETAIL) else f"{path}: {status}"
                except httpx.HTTPError as exc:
                    problem = f"{path}: {type(exc).__name__}: {exc}"
                with self._lock:
                    self.requests += 1
                    if problem is not None:
                        self.errors.append(problem)

    def __enter__(self) -> Readers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)


def _dump(url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = open_store(url)
    try:
        with engine.connect() as connection:
            assert integrity_check(connection) == ["ok"]
            return canonical_dump(connection, history=True)
    finally:
        engine.dispose()


def test_four_ingests_and_twenty_api_readers_give_exactly_a_sequential_run(tmp_path: Path,
                                                                          databases: Databases) -> None:
    inputs, page_count = _inputs(tmp_path)
    url, port = databases.new("concurrent"), _free_port()
    open_store(url).dispose()  # an empty store, for the server to open
    server = _start_server(url, port, tmp_path / "server.log")
    try:
        with Readers(port) as readers:
            started = time.monotonic()
            ingests = [subprocess.Popen([*FUNDATLAS, "ingest", "--db", url, "--rows", "0", "--report",
                                         str(tmp_path / f"report-{i}.json"), str(path), str(PAGES)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                       for i, path in enumerate(inputs)]
            failures = [(i, process.wait(timeout=600), process.stderr.read() if process.stderr else b"")
                        for i, process in enumerate(ingests)]
            ingest_seconds = time.monotonic() - started
            time.sleep(max(0.0, READ_SECONDS - (time.monotonic() - started)))
    finally:
        _stop(server)
    log = (tmp_path / "server.log").read_text(errors="replace")
    print(f"\n{databases.backend}: 4 ingests in {ingest_seconds:.1f} s; {readers.requests} API requests "
          f"in {READ_SECONDS:.0f} s by {READERS} readers; {len(readers.errors)} error(s)")
    assert [(i, code) for i, code, _ in failures if code != 0] == [], failures
    assert readers.errors == [] and readers.requests > READERS
    assert "Traceback" not in log and " 500 " not in log, log[-3000:]

    outcomes = [outcome for i in range(INGESTS) for outcome in
                json.loads((tmp_path / f"report-{i}.json").read_text(encoding="utf-8"))["outcomes"]]
    by_page: dict[str, Counter[str]] = {}  # every page has bytes of its own: its SHA-256 names it
    for outcome in outcomes:
        by_page.setdefault(str(outcome["sha256"]), Counter())[str(outcome["status"])] += 1
    assert len(by_page) == page_count + len(list(PAGES.glob("*.txt")))
    assert all(c["stored"] + c["not a project"] == 1 and c["unchanged"] == c.total() - 1 for c in by_page.values())

    sequential = databases.new("sequential")
    engine = open_store(sequential)
    try:
        for path in inputs:
            ingest_paths(engine, path, PAGES)
    finally:
        engine.dispose()
    concurrent_dump, sequential_dump = _dump(url), _dump(sequential)
    assert concurrent_dump.keys() == sequential_dump.keys()
    for table in concurrent_dump:
        assert concurrent_dump[table] == sequential_dump[table], f"{table} differs from a sequential run"
    engine = open_store(url)
    try:
        assert rows(engine, "SELECT count(*) FROM (SELECT source_id FROM records GROUP BY source_id "
                            "HAVING count(*) <> max(version) OR min(version) <> 1) AS gaps") == [(0,)]
    finally:
        engine.dispose()
