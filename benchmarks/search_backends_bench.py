"""Search latency on SQLite and PostgreSQL side by side: the same store, the same queries, the ratio.

    python benchmarks/search_backends_bench.py --db sqlite:///PATH --db postgresql://... [--repeat 30]

The stores should hold the same data: build one with ``benchmarks/query_bench.py --build-only --keep
DIR`` (SQLite), then copy it with ``fundatlas backup`` and ``fundatlas restore --db postgresql://...``.
The queries are ``query_bench.realistic_queries()`` (words, phrases, exclusions, filters, sort
orders, later pages), each run ``--repeat`` times through ``Portfolio.search`` after a warm-up;
p50 and p95 per query and database are printed, then each query's p50 ratio to the first
database's, and whether every query's answer (total and ids) is the same on all. PostgreSQL
statements are stopped after ``--statement-limit`` seconds (``statement_timeout``). The machine
and the exact command are printed first.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from fundatlas.query import Portfolio
from fundatlas.store import open_store


def _query_bench() -> Any:
    """``benchmarks/query_bench.py`` as a module (its queries and machine description)."""
    spec = importlib.util.spec_from_file_location("query_bench", Path(__file__).with_name("query_bench.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["query_bench"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", action="append", required=True, help="a store's URL (give two or more)")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--statement-limit", type=float, default=10.0, help="seconds (PostgreSQL)")
    args = parser.parse_args()
    bench = _query_bench()
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"machine: {bench.cpu_model()}, {os.cpu_count()} logical CPU(s); {platform.platform()}")
    os.environ.setdefault("FUNDATLAS_PG_STATEMENT_TIMEOUT", str(int(args.statement_limit * 1000)))
    queries = bench.realistic_queries()
    results: dict[str, dict[str, tuple[float, float]]] = {}
    answers: dict[str, dict[str, tuple[int, list[int]]]] = {}
    for url in args.db:
        portfolio = Portfolio(open_store(url))
        name = portfolio.engine.dialect.name
        with portfolio.engine.connect() as connection:
            server = connection.exec_driver_sql("SELECT version()" if name == "postgresql"
                                                else "SELECT 'SQLite ' || sqlite_version()").scalar()
        print(f"\n{name}: {portfolio.engine.url.render_as_string()} ({server}); {bench.store_summary(portfolio)}")
        results[url], answers[url] = {}, {}
        for query in queries:
            result = portfolio.search(query.filters, query.page)  # warm-up
            answers[url][query.label] = (result["total"], [item["id"] for item in result["items"]])
            timings = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                portfolio.search(query.filters, query.page)
                timings.append((time.perf_counter() - started) * 1000)
            results[url][query.label] = (statistics.median(timings), percentile(timings, 0.95))
            print(f"  {query.label:<42} p50 {results[url][query.label][0]:8.1f} ms   "
                  f"p95 {results[url][query.label][1]:8.1f} ms   total {result['total']:,}")
        every = [t for label in results[url] for t in [results[url][label][0]]]
        print(f"  {'all queries':<42} p50 {statistics.median(every):8.1f} ms   "
              f"max p95 {max(p95 for _, p95 in results[url].values()):8.1f} ms")
        portfolio.engine.dispose()
    if len(args.db) > 1:
        first = args.db[0]
        for other in args.db[1:]:
            ratios = [results[other][q.label][0] / max(results[first][q.label][0], 0.01) for q in queries]
            same = sum(answers[other][q.label][0] == answers[first][q.label][0] for q in queries)
            print(f"\n{other} / {first}: p50 ratio per query: median {statistics.median(ratios):.2f}, "
                  f"min {min(ratios):.2f}, max {max(ratios):.2f}; within 2x on {sum(r <= 2 for r in ratios)}"
                  f"/{len(queries)} queries; same totals on {same}/{len(queries)}")


if __name__ == "__main__":
    main()
