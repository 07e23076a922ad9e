"""`fundatlas parse` as a user runs it: a real subprocess, the contract's output and exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
FUNDATLAS = [sys.executable, "-m", "fundatlas"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FUNDATLAS, *args], capture_output=True, text=True, timeout=120)


def test_jsonl_one_line_per_file_in_input_order(tmp_path: Path) -> None:
    names = ["seed-002.txt", "fr-177396.txt", "en-enhancing-labour-mobility-governance-pacific.txt"]
    for name in names:
        shutil.copy(CORPUS / name, tmp_path / name)
    done = run("parse", "--format", "jsonl", *(str(tmp_path / n) for n in names))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [Path(r["source"]["path"]).name for r in lines] == names
    assert [r["source"]["layout"] for r in lines] == ["table", "fields", "fields"]
    assert all(set(r) == {"source", "is_project", "project", "errors", "warnings"} for r in lines)


def test_folder_is_walked_recursively_in_sorted_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    shutil.copy(CORPUS / "fr-177396.txt", tmp_path / "b" / "z.txt")
    shutil.copy(CORPUS / "seed-000.txt", tmp_path / "a.htm")
    (tmp_path / "notes.md").write_text("not a page")
    done = run("parse", "--format", "json", str(tmp_path))
    assert done.returncode == 0
    assert [Path(r["source"]["path"]).name for r in json.loads(done.stdout)] == ["a.htm", "z.txt"]


def test_unreadable_file_gets_its_line_and_exit_1(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    shutil.copy(CORPUS / "seed-000.txt", good)
    done = run("parse", "--format", "jsonl", str(tmp_path / "missing.txt"), str(good))
    assert done.returncode == 1
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first["errors"] and first["project"] is None and first["source"]["sha256"] is None
    assert second["is_project"] is True and second["errors"] == []


def test_bad_usage_exits_2() -> None:
    assert run("parse", "--format", "yaml", "x.txt").returncode == 2
    assert run("parse").returncode == 2


def test_table_format_is_readable() -> None:
    done = run("parse", "--format", "table", str(CORPUS / "seed-000.txt"))
    assert done.returncode == 0 and "IS.0133" in done.stdout
