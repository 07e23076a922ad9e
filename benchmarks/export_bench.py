"""Export throughput and peak memory, per format, on the demo store or on synthetic projects.

    python benchmarks/export_bench.py                      # the bundled demo pages
    python benchmarks/export_bench.py --pages 16000        # about 10,000 synthetic projects
    python benchmarks/export_bench.py --pages 16000 --validate

Each format is exported to a file by a child process (``fundatlas.export.export(...).write``, as
the CLI does without its start-up), timed from inside, with the child's peak resident memory from
``wait4``. ``--validate`` then checks the IATI file against the 2.03 XSD and the data package with
frictionless. The machine is printed with the figures. (Not collected by pytest: no ``test_`` prefix.)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fundatlas.export import FORMATS, export
from fundatlas.ingest import ingest, read_inputs
from fundatlas.query import Portfolio
from fundatlas.store import open_store
from fundatlas.synthetic import synthetic_pages

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "src" / "fundatlas" / "demo" / "pages"
TARGETS = {"csv": "projects.csv", "xlsx": "projects.xlsx", "json": "projects.json", "ndjson": "projects.ndjson",
           "geojson": "countries.geojson", "iati": "iati.xml", "datapackage": "package"}


def one(db: str, fmt: str, folder: Path) -> None:
    """In a child: export one format and print the seconds and the files' size."""
    portfolio = Portfolio(db)
    started = time.perf_counter()
    result = export(portfolio, fmt)
    written = result.write(folder / TARGETS[fmt])
    seconds = time.perf_counter() - started
    size = sum(p.stat().st_size for p in written)
    print(json.dumps({"seconds": seconds, "bytes": size, "projects": result.total, "notes": len(result.notes)}))


def build(folder: Path, pages: int, seed: int) -> str:
    db = folder / "bench.db"
    url = f"sqlite:///{db}"
    engine = open_store(url)
    if pages:
        source = folder / "pages.jsonl"
        with source.open("w", encoding="utf-8") as out:
            for page in synthetic_pages(pages, seed=seed):
                out.write(json.dumps({"url": page.url, "text": page.text}, ensure_ascii=False) + "\n")
        inputs = [source]
    else:
        inputs = [PAGES]
    started = time.perf_counter()
    list(ingest(engine, read_inputs(inputs)))
    engine.dispose()
    print(f"store: {f'{pages} synthetic pages' if pages else 'the demo pages'} ingested in "
          f"{time.perf_counter() - started:.1f} s")
    return url


def validate(folder: Path) -> None:
    import frictionless
    from lxml import etree

    shared = Path(os.environ.get("FUNDATLAS_SHARED") or ROOT.parent / "shared")
    schema = etree.XMLSchema(etree.parse(str(shared / "iati" / "2.03" / "iati-activities-schema.xsd")))
    started = time.perf_counter()
    valid = schema.validate(etree.parse(str(folder / TARGETS["iati"])))
    print(f"IATI XSD: {'valid' if valid else schema.error_log} ({time.perf_counter() - started:.1f} s)")
    started = time.perf_counter()
    report = frictionless.validate(str(folder / TARGETS["datapackage"] / "datapackage.json"))
    print(f"data package: {'valid' if report.valid else report.flatten(['type', 'message'])[:5]} "
          f"({time.perf_counter() - started:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=0, help="synthetic pages (0: the demo pages)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--validate", action="store_true")
    parser.add_argument("--one", nargs=3, metavar=("DB", "FORMAT", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one[0], args.one[1], Path(args.one[2]))
        return
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU(s); {platform.platform()}; "
          f"python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="fundatlas-export-bench-") as scratch:
        folder = Path(scratch)
        url = build(folder, args.pages, args.seed)
        total = 0.0
        for fmt in FORMATS:
            child = subprocess.Popen([sys.executable, __file__, "--one", url, fmt, str(folder)],
                                     stdout=subprocess.PIPE, text=True)
            assert child.stdout is not None
            output = child.stdout.read()
            _, status, usage = os.wait4(child.pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"{fmt} failed")
            figures = json.loads(output)
            total += figures["seconds"]
            print(f"{fmt:12} {figures['projects']:>7,} projects {figures['seconds']:7.2f} s "
                  f"{figures['projects'] / figures['seconds']:>9,.0f} projects/s {figures['bytes'] / 1e6:8.1f} MB "
                  f"peak RSS {usage.ru_maxrss / 1024:6.0f} MB" + (f"  ({figures['notes']} left out)"
                                                                   if figures["notes"] else ""))
        print(f"all formats: {total:.1f} s")
        if args.validate:
            validate(folder)


if __name__ == "__main__":
    main()
