"""SIGKILL in the middle of `fundatlas ingest`: the store stays consistent and a re-run finishes the job.

A batch of synthetic pages (several languages per project, every layout) is ingested by a real
subprocess that is killed once some batches are committed. The file must pass SQLite's integrity
check with no half-written project, and running the same command again must give exactly what an
uninterrupted run gives in another file, history included.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from store_helpers import db_url

from fundatlas.store import open_store
from fundatlas.store.queries import canonical_dump
from fundatlas.synthetic import synthetic_pages

FUNDATLAS = [sys.executable, "-m", "fundatlas"]
PAGE_COUNT = 2500
KILL_AFTER_SOURCES = 300


def _ingest_command(db: Path, pages: Path, report: Path) -> list[str]:
    return [*FUNDATLAS, "ingest", "--db", db_url(db), "--batch", "40", "--rows", "0", "--report", str(report),
            str(pages)]


def _stored_sources(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as connection:
            return int(connection.execute("SELECT count(*) FROM sources").fetchone()[0])
    except sqlite3.Error:
        return 0  # not created or not migrated yet


def _assert_consistent(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        one = connection.execute
        assert one("SELECT count(*) FROM projects p WHERE NOT EXISTS "
                   "(SELECT 1 FROM project_texts t WHERE t.project = p.id)").fetchone() == (0,)
        assert one("SELECT count(*) FROM projects p WHERE NOT EXISTS "
                   "(SELECT 1 FROM records r WHERE r.project = p.id AND r.is_current)").fetchone() == (0,)
        assert one("SELECT count(*) FROM projects WHERE version < 1").fetchone() == (0,)
        assert one("SELECT count(*) FROM sources s WHERE NOT EXISTS "
                   "(SELECT 1 FROM records r WHERE r.source_id = s.id AND r.is_current)").fetchone() == (0,)
        assert one("SELECT count(*) FROM sources s WHERE NOT EXISTS "
                   "(SELECT 1 FROM sightings g WHERE g.source_id = s.id)").fetchone() == (0,)
        # each project's beneficiaries are exactly the list of the record they were taken from
        for project, lang, listed in one("SELECT p.id, b.lang, count(*) FROM projects p "
                                         "JOIN beneficiaries b ON b.project = p.id GROUP BY p.id, b.lang"):
            [(result,)] = one("SELECT r.result_json FROM project_texts t JOIN records r ON r.id = t.record_id "
                              "WHERE t.project = ? AND t.lang = ?", (project, lang)).fetchall()
            assert len(json.loads(result)["project"]["beneficiaries"]) == listed
        return int(one("SELECT count(*) FROM sources").fetchone()[0])


def _dump(db: Path) -> dict[str, list[tuple[object, ...]]]:
    engine = open_store(db_url(db))
    try:
        with engine.connect() as connection:
            return canonical_dump(connection, history=True)
    finally:
        engine.dispose()


def test_sigkill_midway_then_a_rerun_gives_exactly_an_uninterrupted_run(tmp_path: Path) -> None:
    pages = tmp_path / "pages.jsonl"
    with pages.open("w", encoding="utf-8") as out:
        for page in synthetic_pages(PAGE_COUNT, seed=7):
            out.write(json.dumps({"url": page.url, "text": page.text}, ensure_ascii=False) + "\n")
    killed, clean = tmp_path / "killed.db", tmp_path / "clean.db"

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
    assert KILL_AFTER_SOURCES <= committed < PAGE_COUNT

    rerun = subprocess.run(_ingest_command(killed, pages, tmp_path / "rerun.json"), capture_output=True,
                           text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    counts = json.loads((tmp_path / "rerun.json").read_text(encoding="utf-8"))["counts"]
    assert counts["unchanged"] == committed
    assert counts["rejected"] == 0

    uninterrupted = subprocess.run(_ingest_command(clean, pages, tmp_path / "clean.json"), capture_output=True,
                                   text=True, timeout=300)
    assert uninterrupted.returncode == 0, uninterrupted.stderr
    assert _assert_consistent(killed) == _assert_consistent(clean) == PAGE_COUNT
    killed_dump, clean_dump = _dump(killed), _dump(clean)
    assert killed_dump.keys() == clean_dump.keys()
    for table in killed_dump:
        assert killed_dump[table] == clean_dump[table], f"{table} differs after the re-run"
