"""Search latency through ``Portfolio``, and the REST API's project endpoint under load, on synthetic projects.

    python benchmarks/query_bench.py [--projects 100000] [--db sqlite:///PATH] [--keep DIR] [--seed 0]
                                     [--repeat 30] [--duration 15] [--concurrency 16,64,128] [--workers 2]
                                     [--skip-load] [--build-only]

1. The store: ``--db`` reuses a store built before (by this script with ``--keep``, or by ``fundatlas
   ingest``); else ``fundatlas.synthetic`` pages (French, English, Spanish; every layout) go through the
   real ``fundatlas.ingest.ingest`` (parse, merge, rules, search index) into a new SQLite file until the
   store holds ``--projects`` projects. No shortcut: 100,000 projects are about 160,000 pages and take
   several minutes (``--keep DIR`` keeps the file for the next run as ``DIR/query-bench-<N>.db``).
2. Search: 20 realistic queries with filters and sort orders, each run ``--repeat`` times through
   ``Portfolio.search`` (after one warm-up run) → p50/p95 per query and overall (goal: p95 < 30 ms).
3. The project endpoint under load: ``fundatlas serve`` is started on 127.0.0.1 (a free port) and
   ``GET /api/projects/{ref}`` is driven over many refs (row ids, project IDs and PRIMA IDs) by ``wrk``
   when it is installed (a Lua script picks a ref per request), else by a Python asyncio load generator;
   ``--duration`` seconds per concurrency level → requests/s and p99 (goal: ≥ 1,000 requests/s, p99 < 50 ms).
   Both a warm cache (a working set of 1,000 refs, after ``--warmup`` seconds of load that fill each worker's
   cache, not counted) and a cold one (50,000 refs drawn over the whole store: nearly every request is a
   cache miss that reads the store) are reported.
4. Facets, stats and totals timings, for information.

Everything runs on loopback, in bounded loops. The machine and the exact command are printed first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from fundatlas.ingest import PageInput, Status, ingest
from fundatlas.query import Page, Portfolio, SearchFilters
from fundatlas.store import open_store
from fundatlas.synthetic import synthetic_pages

SEARCH_GOAL_MS = 30.0
LOAD_GOAL_RPS = 1_000.0
LOAD_GOAL_P99_MS = 50.0


# --- the machine -----------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def print_machine() -> None:
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"machine: {cpu_model()}, {os.cpu_count()} logical CPU(s); {platform.platform()}")
    versions = {name: _version(name) for name in ("fundatlas", "sqlalchemy", "fastapi", "uvicorn", "uvloop",
                                                  "httptools", "orjson")}
    print(f"python {platform.python_version()}; SQLite {sqlite3.sqlite_version}; "
          + "; ".join(f"{name} {version}" for name, version in versions.items()))


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


# --- the store -------------------------------------------------------------------------------------


def build_store(url: str, projects: int, seed: int) -> None:
    """Ingest synthetic pages through the real pipeline until the store holds ``projects`` projects."""
    engine = open_store(url)
    keys: set[str] = set()
    pages = 0
    started = time.perf_counter()

    def inputs() -> Iterator[PageInput]:
        nonlocal pages
        for page in synthetic_pages(projects * 3, seed=seed):
            if len(keys) >= projects:
                return
            pages += 1
            yield PageInput(page.name, page.url, "url", page.text.encode("utf-8"))

    try:
        for outcome in ingest(engine, inputs(), batch_pages=2_000, batch_seconds=5.0):
            if outcome.status is Status.STORED and outcome.project:
                keys.add(outcome.project)
            if pages % 10_000 == 0 and outcome.status is not Status.REJECTED:
                elapsed = time.perf_counter() - started
                print(f"  … {pages:,} pages, {len(keys):,} projects, {elapsed:.0f} s", flush=True)
    finally:
        engine.dispose()
    seconds = time.perf_counter() - started
    print(f"built {url}: {pages:,} pages → {len(keys):,} projects in {seconds:.0f} s "
          f"({pages / seconds:,.0f} pages/s, through fundatlas.ingest.ingest)")


def store_summary(portfolio: Portfolio) -> str:
    with portfolio.engine.connect() as connection:
        counts = {table: connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
                  for table in ("projects", "project_texts", "beneficiaries", "findings", "search_documents")}
    return ", ".join(f"{count:,} {table}" for table, count in counts.items())


# --- search latency ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Query:
    label: str
    filters: SearchFilters
    page: Page


def realistic_queries() -> list[Query]:
    """20 queries a person would type in the search page: words, filters, sort orders, later pages."""
    q = SearchFilters
    return [
        Query("q=trafficking + region", q(q="trafficking", idf_region=("africa",)), Page()),
        Query("q='climate change' + years 2015-2020", q(q="climate change", year_from=2015, year_to=2020), Page()),
        Query("q='labour migration Pacific'", q(q="labour migration Pacific"), Page()),
        Query("country=FJI", q(country=("FJI",)), Page()),
        Query("budget 100k-250k, -budget", q(budget_min=100_000, budget_max=250_000), Page(sort="-budget")),
        Query("q=traite (fr) + lang=fr", q(q="traite", lang=("fr",)), Page()),
        Query("q=trata + status=completed", q(q="trata", status=("completed",)), Page()),
        Query("q='border management' + national", q(q="border management", coverage=("national",)), Page()),
        Query("q=migration (very common)", q(q="migration"), Page()),
        Query("q=health + -year", q(q="health"), Page(sort="-year")),
        Query("q=fiji OR tonga", q(q="fiji OR tonga"), Page()),
        Query("q='migration profile' -policy", q(q='"migration profile" -policy'), Page()),
        Query("q=reintegr* + years 2018-2024", q(q="reintegr*", year_from=2018, year_to=2024), Page()),
        Query("type=counter_trafficking + ≥300k", q(project_type=("counter_trafficking",), budget_min=300_000),
              Page(sort="-budget")),
        Query("country=KEN,UGA,TZA + sort=title", q(country=("KEN", "UGA", "TZA")), Page(sort="title")),
        Query("has_findings=error + region", q(has_findings="error", idf_region=("latin_america_caribbean",)), Page()),
        Query("no filter, newest (home page)", q(), Page()),
        Query("no filter, page 50, project_id", q(), Page(sort="project_id", page=50)),
        Query("q=diaspora + region + 2010-2020", q(q="diaspora", idf_region=("asia_oceania",), year_from=2010,
                                                   year_to=2020), Page(per_page=50)),
        Query("q=integration + status=active, -budget", q(q="integration", status=("active",)), Page(sort="-budget")),
    ]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


class Interrupter:
    """Stops any statement of ``engine`` that runs past ``limit_s`` (a bounded benchmark): SQLite's
    progress handler, PostgreSQL's statement_timeout."""

    def __init__(self, engine: Engine, limit_s: float) -> None:
        self.limit_s = limit_s
        self.deadline = float("inf")
        self.fired = False
        sqlite = engine.dialect.name == "sqlite"

        @event.listens_for(engine, "checkout")
        def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
            if sqlite:
                dbapi_connection.set_progress_handler(self._check, 10_000)
            else:
                with dbapi_connection.cursor() as cursor:
                    cursor.execute(f"SET statement_timeout = {int(limit_s * 1000)}")

    def _check(self) -> int:
        if time.monotonic() > self.deadline:
            self.fired = True
            return 1
        return 0

    def call(self, call: Callable[[], Any]) -> tuple[float, Any]:
        """(milliseconds, result); the result is None and the time the limit when it was interrupted."""
        self.deadline, self.fired = time.monotonic() + self.limit_s, False
        started = time.perf_counter()
        try:
            result = call()
        except OperationalError as exc:
            self.fired = self.fired or "statement timeout" in str(exc)
            if not self.fired:
                raise
            return self.limit_s * 1000, None
        finally:
            self.deadline = float("inf")
        return (time.perf_counter() - started) * 1000, result


def time_call(guard: Interrupter, call: Callable[[], Any], repeat: int, budget_s: float) -> tuple[list[float], Any]:
    """``repeat`` timed runs after a warm-up, fewer when they use up ``budget_s``."""
    elapsed, result = guard.call(call)  # warm-up (SQLite page cache, parsed glossary)
    timings: list[float] = []
    spent = elapsed / 1000
    while len(timings) < repeat and (spent < budget_s or not timings):
        elapsed, again = guard.call(call)
        timings.append(elapsed)
        spent += elapsed / 1000
        result = result if again is None else again
    return timings, result


def bench_search(portfolio: Portfolio, repeat: int, limit_s: float) -> list[float]:
    guard = Interrupter(portfolio.engine, limit_s)
    print(f"\n== search: 20 queries × {repeat} runs through Portfolio.search (ms; a statement is stopped after "
          f"{limit_s:.0f} s and counted as {limit_s * 1000:,.0f} ms; fewer runs when a query takes long) ==")
    print(f"{'query':<44} {'total':>7} {'runs':>4} {'p50':>8} {'p95':>8} {'max':>8}")
    everything: list[float] = []
    for query in realistic_queries():
        timings, result = time_call(guard, lambda query=query: portfolio.search(query.filters, query.page),
                                    repeat, budget_s=max(10.0, 3 * limit_s))
        everything += timings
        flag = "" if percentile(timings, 0.95) < SEARCH_GOAL_MS else "  ← over goal"
        total = f"{result['total']:>7,}" if result is not None else f"{'?':>7}"
        print(f"{query.label:<44} {total} {len(timings):>4} {statistics.median(timings):>8.1f} "
              f"{percentile(timings, 0.95):>8.1f} {max(timings):>8.1f}{flag}", flush=True)
    p95 = percentile(everything, 0.95)
    print(f"{'overall':<44} {'':>7} {statistics.median(everything):>7.1f} {p95:>7.1f} {max(everything):>7.1f}"
          f"   goal p95 < {SEARCH_GOAL_MS:.0f} ms: {'met' if p95 < SEARCH_GOAL_MS else 'MISSED'}")
    return everything


def bench_aggregates(portfolio: Portfolio, repeat: int, limit_s: float) -> None:
    guard = Interrupter(portfolio.engine, limit_s)
    print(f"\n== facets, stats, totals, data_version (ms, {repeat} runs, for information) ==")
    calls: list[tuple[str, Callable[[], Any]]] = [
        ("facets()", lambda: portfolio.facets()),
        ("facets(q=trafficking)", lambda: portfolio.facets(SearchFilters(q="trafficking"))),
        ("facets(region=africa, 2015-2020)", lambda: portfolio.facets(
            SearchFilters(idf_region=("africa",), year_from=2015, year_to=2020))),
        ("stats(year)", lambda: portfolio.stats("year")),
        ("stats(country)", lambda: portfolio.stats("country")),
        ("stats(idf_region, q=climate change)",
         lambda: portfolio.stats("idf_region", SearchFilters(q="climate change"))),
        ("totals()", lambda: portfolio.totals()),
        ("countries()", lambda: portfolio.countries()),
        ("data_version()", lambda: portfolio.data_version()),
    ]
    print(f"{'call':<44} {'runs':>4} {'p50':>8} {'p95':>8}")
    for label, call in calls:
        timings, _ = time_call(guard, call, repeat, budget_s=max(10.0, 2 * limit_s))
        print(f"{label:<44} {len(timings):>4} {statistics.median(timings):>8.1f} {percentile(timings, 0.95):>8.1f}",
              flush=True)


def bench_project(portfolio: Portfolio, seed: int) -> None:
    """What one uncached ``GET /api/projects/{ref}`` costs in the query layer."""
    refs = sample_refs(portfolio, 500, seed + 1)
    timings = []
    for ref in refs:
        started = time.perf_counter()
        portfolio.project(ref)
        timings.append((time.perf_counter() - started) * 1000)
    print(f"\n== Portfolio.project(ref), {len(refs)} different refs, uncached: "
          f"p50 {statistics.median(timings):.1f} ms, p95 {percentile(timings, 0.95):.1f} ms, "
          f"p99 {percentile(timings, 0.99):.1f} ms ==")


# --- the project endpoint under load -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sample_refs(portfolio: Portfolio, count: int, seed: int) -> list[str]:
    """Refs as clients use them: row ids, project IDs and PRIMA IDs, drawn over the whole store."""
    with portfolio.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT id, project_id, prima_id FROM projects").all()
    rng = random.Random(seed)
    refs = []
    for row_id, project_id, prima_id in rng.sample(rows, min(count, len(rows))):
        choices = [str(row_id)] + [ref for ref in (project_id, prima_id) if ref]
        refs.append(rng.choice(choices))
    return refs


class Server:
    """``fundatlas serve`` as a child process on 127.0.0.1."""

    def __init__(self, url: str, workers: int, extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.command = [sys.executable, "-m", "fundatlas", "serve", "--db", url, "--host", "127.0.0.1",
                        "--port", str(self.port), "--workers", str(workers)]
        env = {**os.environ, **(extra_env or {})}
        env.pop("FUNDATLAS_ADMIN_TOKEN", None)
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)

    def wait_ready(self, timeout: float = 60.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stderr.read().decode() if self.process.stderr else ""
                raise SystemExit(f"fundatlas serve exited: {output}")
            try:
                if httpx.get(f"{self.base}/api/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise SystemExit("fundatlas serve did not answer /api/health in time")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass(frozen=True, slots=True)
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


WRK_SCRIPT = """
local refs = {}
for line in io.lines("%(refs)s") do refs[#refs + 1] = line end
math.randomseed(%(seed)d)
request = function()
  return wrk.format("GET", "/api/projects/" .. refs[math.random(#refs)])
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
    + summary.errors.timeout
  io.write(string.format("RESULT %%d %%f %%f %%f %%d\\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end
"""


def run_wrk(base: str, refs: list[str], concurrency: int, duration: int, folder: Path) -> LoadResult:
    ref_file, script = folder / "refs.txt", folder / "refs.lua"
    ref_file.write_text("\n".join(refs) + "\n", encoding="utf-8")
    script.write_text(WRK_SCRIPT % {"refs": ref_file, "seed": 7}, encoding="utf-8")
    command = ["wrk", "-t", "1" if concurrency < 8 else "2", "-c", str(concurrency), "-d", f"{duration}s",
               "--timeout", "10s", "-s", str(script), base]
    output = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    match = re.search(r"RESULT (\d+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+)", output)
    if match is None:
        raise SystemExit(f"cannot read wrk's output:\n{output}")
    requests, seconds, p50, p99, errors = match.groups()
    return LoadResult(int(requests), float(seconds), float(p50), float(p99), int(errors))


def run_python_load(base: str, refs: list[str], concurrency: int, duration: int) -> LoadResult:
    """A bounded asyncio load generator over keep-alive connections (httpx), for machines without wrk."""
    import httpx

    async def main() -> LoadResult:
        latencies: list[float] = []
        errors = 0
        rng = random.Random(7)
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=10) as client:
            deadline = time.perf_counter() + duration

            async def worker() -> None:
                nonlocal errors
                while time.perf_counter() < deadline:
                    started = time.perf_counter()
                    try:
                        response = await client.get(f"/api/projects/{rng.choice(refs)}")
                        if response.status_code != 200:
                            errors += 1
                    except httpx.HTTPError:
                        errors += 1
                    latencies.append((time.perf_counter() - started) * 1000)

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            seconds = time.perf_counter() - started
        return LoadResult(len(latencies), seconds, percentile(latencies, 0.5), percentile(latencies, 0.99), errors)

    return asyncio.run(main())


def bench_load(url: str, portfolio: Portfolio, args: argparse.Namespace) -> None:
    use_wrk = shutil.which("wrk") is not None
    generator = "wrk (" + subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0] \
        .strip() + ")" if use_wrk else "Python asyncio + httpx (wrk is not installed)"
    every_ref = sample_refs(portfolio, 50_000, args.seed)
    working_set = every_ref[:1_000]
    print(f"\n== GET /api/projects/{{ref}} under load: fundatlas serve --workers {args.workers}, "
          f"{args.duration} s per level, load generator: {generator} ==")
    server = Server(url, args.workers)
    try:
        server.wait_ready()
        print(f"server: {' '.join(Path(part).name if i == 0 else part for i, part in enumerate(server.command))}")
        print(f"{'refs':<34} {'conc.':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
        with tempfile.TemporaryDirectory(prefix="fundatlas-load-") as scratch:
            for label, refs in ((f"warm: {len(working_set):,} refs (cached)", working_set),
                                (f"cold: {len(every_ref):,} refs over the store", every_ref)):
                if refs is working_set:  # fill each worker's cache first (not counted)
                    if use_wrk:
                        run_wrk(server.base, refs, 16, args.warmup, Path(scratch))
                    else:
                        run_python_load(server.base, refs, 16, args.warmup)
                for concurrency in args.concurrency:
                    if use_wrk:
                        result = run_wrk(server.base, refs, concurrency, args.duration, Path(scratch))
                    else:
                        result = run_python_load(server.base, refs, concurrency, args.duration)
                    met = result.rps >= LOAD_GOAL_RPS and result.p99_ms < LOAD_GOAL_P99_MS and not result.errors
                    print(f"{label:<34} {concurrency:>5} {result.rps:>9,.0f} {result.p50_ms:>8.1f} "
                          f"{result.p99_ms:>8.1f} {result.errors:>7}   goal {'met' if met else 'MISSED'}", flush=True)
    finally:
        server.stop()


# --- main ------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--db", help="reuse this store (a SQLAlchemy URL) instead of building one")
    parser.add_argument("--keep", type=Path, help="build the store in this folder and keep it")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=30, help="runs of each query")
    parser.add_argument("--statement-limit", type=float, default=5.0,
                        help="stop a search statement after this many seconds (counted at that time)")
    parser.add_argument("--duration", type=int, default=15, help="seconds per load level")
    parser.add_argument("--concurrency", type=lambda s: [int(n) for n in s.split(",")], default=[16, 64, 128])
    parser.add_argument("--warmup", type=int, default=15, help="seconds of load that fill the cache before 'warm'")
    parser.add_argument("--workers", type=int, default=2, help="fundatlas serve --workers")
    parser.add_argument("--skip-load", action="store_true", help="skip the load test")
    parser.add_argument("--skip-search", action="store_true", help="skip the search and aggregate timings")
    parser.add_argument("--build-only", action="store_true", help="build the store and stop")
    args = parser.parse_args()

    print_machine()
    with tempfile.TemporaryDirectory(prefix="fundatlas-query-bench-") as scratch:
        url = args.db
        if url is None:
            folder = args.keep or Path(scratch)
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"query-bench-{args.projects}.db"
            url = f"sqlite:///{path}"
            if not path.exists():
                build_store(url, args.projects, args.seed)
        if args.build_only:
            return
        portfolio = Portfolio(url)
        try:
            print(f"store: {url}: {store_summary(portfolio)}")
            if not args.skip_search:
                bench_search(portfolio, args.repeat, args.statement_limit)
                bench_aggregates(portfolio, max(5, args.repeat // 3), args.statement_limit)
                bench_project(portfolio, args.seed)
            if not args.skip_load:
                bench_load(url, portfolio, args)
        finally:
            portfolio.engine.dispose()
    print(json.dumps({"done": True}))


if __name__ == "__main__":
    main()
