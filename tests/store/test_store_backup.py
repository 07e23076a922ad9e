"""`fundatlas backup` and `restore`: one portable archive, from and into SQLite and PostgreSQL; and
`fundatlas db current` / `db upgrade`. Real subprocesses, real databases."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from backends import Databases
from pg_server import PostgresServer
from store_helpers import PAGES

from fundatlas.query import Page, Portfolio, SearchFilters
from fundatlas.store import open_store
from fundatlas.store.backup import MANIFEST
from fundatlas.store.database import head_revision
from fundatlas.store.queries import canonical_dump
from fundatlas.synthetic import synthetic_pages

FUNDATLAS = [sys.executable, "-m", "fundatlas"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FUNDATLAS, *args], capture_output=True, text=True, timeout=300)


def members(archive: Path) -> dict[str, bytes]:
    """Every file of an archive; the manifest without the fields that say when and from where."""
    with tarfile.open(archive) as tar:
        files = {member.name: tar.extractfile(member).read() for member in tar if member.isfile()}  # type: ignore[union-attr]
    manifest = json.loads(files[MANIFEST])
    del manifest["created_at"], manifest["database"]
    files[MANIFEST] = json.dumps(manifest, sort_keys=True).encode()
    return files


def dump(url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = open_store(url)
    try:
        with engine.connect() as connection:
            return canonical_dump(connection, history=True)
    finally:
        engine.dispose()


def test_sqlite_to_postgresql_to_sqlite_gives_identical_data(tmp_path: Path,
                                                             postgresql_server: PostgresServer) -> None:
    pages = tmp_path / "pages.jsonl"
    with pages.open("w", encoding="utf-8") as out:  # several versions of some sources, and the real pages
        for seed in (1, 2):
            for page in synthetic_pages(150, seed=seed):
                out.write(json.dumps({"url": page.url, "text": page.text}, ensure_ascii=False) + "\n")
    first = f"sqlite:///{tmp_path / 'first.db'}"
    assert run("ingest", "--db", first, "--rows", "0", str(PAGES)).returncode == 0
    assert run("ingest", "--db", first, "--rows", "0", str(pages)).returncode in (0, 1)
    middle, last = postgresql_server.new_database("middle"), f"sqlite:///{tmp_path / 'last.db'}"

    previous = None
    for url, archive in ((first, "first.tar.gz"), (middle, "middle.tar.gz"), (last, "last.tar.gz")):
        if previous is not None:
            done = run("restore", str(tmp_path / previous), "--db", url)
            assert done.returncode == 0, done.stderr
            assert "restored" in done.stdout
        done = run("backup", str(tmp_path / archive), "--db", url, "--json")
        assert done.returncode == 0, done.stderr
        summary = json.loads(done.stdout)
        assert summary["schema_revision"] == head_revision(url) and summary["rows"]["snapshots"] > 300
        previous = archive

    assert dump(first) == dump(middle) == dump(last)
    assert members(tmp_path / "first.tar.gz") == members(tmp_path / "middle.tar.gz") == members(
        tmp_path / "last.tar.gz")
    found = []
    for url in (first, middle, last):  # the search index was rebuilt on restore
        portfolio = Portfolio(url)
        try:
            found.append({item["project_id"] for item in
                          portfolio.search(SearchFilters(q="trafficking"), Page(per_page=100))["items"]})
        finally:
            portfolio.engine.dispose()
    assert {"CT.0985", "PX.0012"} <= found[0] and found[0] == found[1] == found[2]


def test_a_restore_into_a_database_that_holds_anything_is_refused(databases: Databases, tmp_path: Path) -> None:
    source, target = databases.new("source"), databases.new("target")
    assert run("ingest", "--db", source, "--rows", "0", str(PAGES / "fr-187546.txt")).returncode == 0
    assert run("backup", str(tmp_path / "a.tar.gz"), "--db", source).returncode == 0
    assert run("ingest", "--db", target, "--rows", "0", str(PAGES / "fr-187231.txt")).returncode == 0
    before = dump(target)
    refused = run("restore", str(tmp_path / "a.tar.gz"), "--db", target)
    assert refused.returncode == 2 and "not empty" in refused.stderr
    assert dump(target) == before


def test_a_damaged_archive_restores_nothing(databases: Databases, tmp_path: Path) -> None:
    source = databases.new("source")
    assert run("ingest", "--db", source, "--rows", "0", str(PAGES)).returncode == 0
    assert run("backup", str(tmp_path / "a.tar.gz"), "--db", source).returncode == 0
    files = members(tmp_path / "a.tar.gz")
    with tarfile.open(tmp_path / "a.tar.gz") as tar:
        manifest = tar.extractfile(MANIFEST).read()  # type: ignore[union-attr]
    with tarfile.open(tmp_path / "bad.tar.gz", "w:gz") as tar:
        for name, data in files.items():
            if name == MANIFEST:
                data = manifest
            elif name == "tables/findings.jsonl":
                data = data.replace(b"warning", b"WARNING", 1)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    target = databases.new("target")
    done = run("restore", str(tmp_path / "bad.tar.gz"), "--db", target)
    assert done.returncode == 2 and "checksum" in done.stderr
    assert dump(target)["projects"] == []
    not_an_archive = tmp_path / "x.tar.gz"
    not_an_archive.write_bytes(b"hello")
    done = run("restore", str(not_an_archive), "--db", target)
    assert done.returncode == 2 and "cannot be read" in done.stderr


def test_db_current_and_upgrade(databases: Databases) -> None:
    url = databases.new("fresh")
    head = head_revision(url)
    before = run("db", "current", "--db", url)
    assert before.returncode == 1 and before.stdout.startswith("none") and f"head is {head}" in before.stdout
    upgraded = run("db", "upgrade", "--db", url)
    assert upgraded.returncode == 0 and f"to {head} (head)" in upgraded.stdout
    assert run("db", "current", "--db", url).stdout.strip() == f"{head} (head)"
    again = run("db", "upgrade", "--db", url)
    assert again.returncode == 0 and "nothing to do" in again.stdout


@pytest.mark.parametrize("url", ["postgresql://nobody@127.0.0.1:1/nothing"])
def test_db_current_on_a_database_that_cannot_be_reached_exits_2(url: str) -> None:
    done = run("db", "current", "--db", url)
    assert done.returncode == 2 and "error" in done.stderr
