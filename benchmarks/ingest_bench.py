"""End-to-end ingest throughput into SQLite, and peak memory, on realistic synthetic pages.

    python benchmarks/ingest_bench.py [--pages 100000] [--seed 0] [--batch 200] [--keep DIR] [--no-rerun]

``fundatlas.synthetic`` writes ``--pages`` pages (French, English and Spanish; the fields, table
and values layouts; countries from the gazetteer; fields left out; about 1.6 pages per project)
to a JSON-lines file; then ``fundatlas ingest`` runs on it as a user runs it (a child process,
``--rows 0``, into a new SQLite file), and a second run on the same file measures the
``unchanged`` path. Generating the pages is not counted. Peak memory is the child's maximum
resident set size (``ru_maxrss`` from ``wait4``). The machine is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from fundatlas.synthetic import synthetic_pages


@dataclass(frozen=True, slots=True)
class Run:
    seconds: float
    peak_rss_mb: float
    counts: dict[str, int]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def print_machine() -> None:
    print(f"machine: {cpu_model()}, {os.cpu_count()} logical CPU(s); {platform.platform()}")
    print(f"python {platform.python_version()}; SQLite {sqlite3.sqlite_version}; "
          f"SQLAlchemy {metadata.version('sqlalchemy')}; alembic {metadata.version('alembic')}; "
          f"fundatlas {metadata.version('fundatlas')}")


def write_pages(path: Path, count: int, seed: int) -> tuple[int, float]:
    started = time.perf_counter()
    size = 0
    with path.open("w", encoding="utf-8") as out:
        for page in synthetic_pages(count, seed=seed):
            line = json.dumps({"url": page.url, "text": page.text}, ensure_ascii=False) + "\n"
            size += len(line.encode("utf-8"))
            out.write(line)
    return size, time.perf_counter() - started


def run_ingest(db: Path, pages: Path, report: Path, batch: int) -> Run:
    command = [sys.executable, "-m", "fundatlas", "ingest", "--db", f"sqlite:///{db}", "--rows", "0",
               "--batch", str(batch), "--report", str(report), str(pages)]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"fundatlas ingest failed with exit status {code}")
    counts = json.loads(report.read_text(encoding="utf-8"))["counts"]
    return Run(seconds, usage.ru_maxrss / 1024, counts)  # ru_maxrss is in KiB on Linux


def db_size_mb(db: Path) -> float:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*")) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch", type=int, default=200, help="fundatlas ingest --batch")
    parser.add_argument("--keep", type=Path, help="write the pages and the database here and keep them")
    parser.add_argument("--no-rerun", action="store_true", help="skip the second (unchanged) run")
    args = parser.parse_args()

    print_machine()
    with tempfile.TemporaryDirectory(prefix="fundatlas-bench-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        pages, db = folder / "pages.jsonl", folder / "bench.db"
        for stale in folder.glob("bench.db*"):
            stale.unlink()
        size, generated = write_pages(pages, args.pages, args.seed)
        print(f"generated {args.pages:,} synthetic pages ({size / 1e6:.1f} MB of JSON lines) in {generated:.1f} s")

        first = run_ingest(db, pages, folder / "first.json", args.batch)
        with sqlite3.connect(db) as connection:
            projects = connection.execute("SELECT count(*) FROM projects").fetchone()[0]
            findings = connection.execute("SELECT count(*) FROM findings").fetchone()[0]
        print(f"ingest:    {args.pages:,} pages in {first.seconds:.1f} s = {args.pages / first.seconds:,.0f} pages/s "
              f"end to end; peak memory {first.peak_rss_mb:.0f} MB; {projects:,} projects, {findings:,} findings; "
              f"database {db_size_mb(db):.0f} MB; outcomes {first.counts}")
        if not args.no_rerun:
            again = run_ingest(db, pages, folder / "again.json", args.batch)
            print(f"unchanged: {args.pages:,} pages in {again.seconds:.1f} s = {args.pages / again.seconds:,.0f} "
                  f"pages/s; peak memory {again.peak_rss_mb:.0f} MB; outcomes {again.counts}")


if __name__ == "__main__":
    main()
