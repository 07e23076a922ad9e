"""SIGKILL in the middle of `fundatlas ingest`: the store stays consistent and a re-run finishes the job.

A batch of synthetic pages (several languages per project, every layout) is ingested by a real
subprocess that is killed once some batches are committed. The database must pass the integrity
check (SQLite: ``PRAGMA integrity_check``; PostgreSQL: validated constraints, no orphan rows) with
no half-written project, and running the same command again must give exactly what an
uninterrupted run gives in another database, history included. On both databases.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from backends import Databases
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from store_helpers import rows

from fundatlas.store import open_store
from fundatlas.store.database import integrity_check
from fundatlas.store.postgres import normalize_url
from fundatlas.store.queries import canonical_dump
from fundatlas.synthetic import synthetic_pages

FUNDATLAS = [sys.executable, "-m", "fundatlas"]
#: Pages per database: PostgreSQL's ingest is slower (a round trip per statement), and 1,000 pages
#: still leave several committed batches before the kill and many after it.
PAGE_COUNT = {"sqlite": 2500, "postgresql": 1000}
KILL_AFTER_SOURCES = 300


def _ingest_command(url: str, pages: Path, report: Path) -> list[str]:
    return [*FUNDATLAS, "ingest", "--db", url, "--batch", "40", "--rows", "0", "--report", str(report), str(pages)]


def _stored_sources(url: str) -> int:
    engine = create_engine(normalize_url(url))  # a plain engine: nothing created, nothing migrated
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM sources")).scalar_one())
    except SQLAlchemyError:
        return 0  # not created or not migrated yet
    finally:
        engine.dispose()


def _assert_consistent(url: str) -> int:
    engine = open_store(url)
    try:
        with engine.connect() as connection:
            assert integrity_check(connection) == ["ok"]
        assert rows(engine, "SELECT count(*) FROM projects p WHERE NOT EXISTS "
                            "(SELECT 1 FROM project_texts t WHERE t.project = p.id)") == [(0,)]
        assert rows(engine, "SELECT count(*) FROM projects p WHERE NOT EXISTS "
                            "(SELECT 1 FROM records r WHERE r.project = p.id AND r.is_current)") == [(0,)]
        assert rows(engine, "SELECT count(*) FROM projects WHERE version < 1") == [(0,)]
        assert rows(engine, "SELECT count(*) FROM sources s WHERE NOT EXISTS "
                            "(SELECT 1 FROM records r WHERE r.source_id = s.id AND r.is_current)") == [(0,)]
        assert rows(engine, "SELECT count(*) FROM sources s WHERE NOT EXISTS "
                            "(SELECT 1 FROM sightings g WHERE g.source_id = s.id)") == [(0,)]
        # each project's beneficiaries are exactly the list of the record they were taken from
        listed = rows(engine, "SELECT p.id, b.lang, count(*) FROM projects p "
                              "JOIN beneficiaries b ON b.project = p.id GROUP BY p.id, b.lang")
        texts = rows(engine, "SELECT t.project, t.lang, r.result_json FROM project_texts t "
                             "JOIN records r ON r.id = t.record_id")
        results = {(project, lang): result for project, lang, result in texts}
        for project, lang, count in listed:
            assert len(json.loads(results[(project, lang)])["project"]["beneficiaries"]) == count
        return int(rows(engine, "SELECT count(*) FROM sources")[0][0])
    finally:
        engine.dispose()


def _dump(url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = open_store(url)
    try:
        with engine.connect() as connection:
            return canonical_dump(connection, history=True)
    finally:
        engine.dispose()


def test_sigkill_midway_then_a_rerun_gives_exactly_an_uninterrupted_run(tmp_path: Path, databases: Databases) -> None:
    page_count = PAGE_COUNT[databases.backend]
    pages = tmp_path / "pages.jsonl"
    with pages.open("w", encoding="utf-8") as out:
        for page in synthetic_pages(page_count, seed=7):
            out.write(json.dumps({"url": page.url, "text": page.text}, ensure_ascii=False) + "\n")
    killed, clean = databases.new("killed"), databases.new("clean")

    process = subprocess.Popen(_ingest_command(killed, pages, tmp_path / "killed.json"),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 90
    while process.poll() is None and _stored_sources(killed) < KILL_AFTER_SOURCES and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, f"ingest ended before it could be killed: {process.communicate()[1]!r}"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    committed = _assert_consistent(killed)
    assert KILL_AFTER_SOURCES <= committed < page_count

    rerun = subprocess.run(_ingest_command(killed, pages, tmp_path / "rerun.json"), capture_output=True,
                           text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    counts = json.loads((tmp_path / "rerun.json").read_text(encoding="utf-8"))["counts"]
    assert counts["unchanged"] == committed
    assert counts["rejected"] == 0

    uninterrupted = subprocess.run(_ingest_command(clean, pages, tmp_path / "clean.json"), capture_output=True,
                                   text=True, timeout=300)
    assert uninterrupted.returncode == 0, uninterrupted.stderr
    assert _assert_consistent(killed) == _assert_consistent(clean) == page_count
    killed_dump, clean_dump = _dump(killed), _dump(clean)
    assert killed_dump.keys() == clean_dump.keys()
    for table in killed_dump:
        assert killed_dump[table] == clean_dump[table], f"{table} differs after the re-run"
