"""`fundatlas crawl` and `fundatlas update` as a user runs them: real subprocesses, a real server, real SQLite."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from crawl_helpers import FAST_OPTIONS, SMALL_START, db_url, env_without_proxy, rows
from crawl_site import MISSING, OFF_LIST, PDF, SECRET, ServedSite, Site
from typer.testing import CliRunner

from fundatlas.cli import app

FUNDATLAS = [sys.executable, "-m", "fundatlas"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FUNDATLAS, *args], capture_output=True, text=True, timeout=120,
                          env={**env_without_proxy(), "COLUMNS": "200"})


def report_of(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def test_crawl_then_update_from_the_command_line(tmp_path: Path, clean_site: ServedSite) -> None:
    db = tmp_path / "cli.db"
    done = run("crawl", "--db", db_url(db), *FAST_OPTIONS, "--report", str(tmp_path / "crawl.json"),
               clean_site.url(SMALL_START))
    assert done.returncode == 0, done.stderr
    assert "URL(s):" in done.stdout and " new" in done.stdout and "scanned" in done.stdout
    report = report_of(tmp_path / "crawl.json")
    assert report["command"] == "crawl" and report["interrupted"] is False
    assert report["user_agent"].startswith("fundatlas/")
    assert report["counts"]["failed"] == 0 and report["counts"]["new"] == 8
    assert report["frontier"]["queued"] == 0
    assert {"url", "outcome", "reason", "status", "kind", "project"} <= set(report["outcomes"][0])
    assert rows(db, "SELECT count(*) FROM sources")[0][0] == report["counts"]["new"]

    again = run("update", "--db", db_url(db), *FAST_OPTIONS, "--report", str(tmp_path / "update.json"))
    assert again.returncode == 0, again.stderr
    update = report_of(tmp_path / "update.json")
    assert update["command"] == "update"
    assert {o["outcome"] for o in update["outcomes"]} == {"unchanged"}
    assert len(update["outcomes"]) == sum(report["frontier"].values())


def test_failures_and_skips_are_listed_with_their_reasons_and_exit_1(tmp_path: Path) -> None:
    with ServedSite(Site()) as served:
        urls = tmp_path / "urls.txt"
        urls.write_text(f"# faults\n{served.url(PDF)}\n\n  {served.url(MISSING)}\n{served.url(SECRET)}\n{OFF_LIST}\n"
                        f"{served.url('/fr/node/174751')}\n", encoding="utf-8")
        done = run("crawl", "--db", db_url(tmp_path / "faults.db"), *FAST_OPTIONS, "--urls", str(urls),
                   "--report", str(tmp_path / "faults.json"))
    assert done.returncode == 1, done.stderr
    outcomes = {o["url"]: (o["outcome"], o["reason"]) for o in report_of(tmp_path / "faults.json")["outcomes"]}
    assert outcomes == {
        served.url(PDF): ("failed", "not HTML: application/pdf"),
        served.url(MISSING): ("failed", "HTTP 404 Not Found"),
        served.url(SECRET): ("skipped", "disallowed by robots.txt"),
        OFF_LIST: ("skipped", "host not on the allow-list: elsewhere.example"),
        served.url("/fr/node/174751"): ("new", None),
    }
    assert "not HTML: application/pdf" in done.stdout and "disallowed by robots.txt" in done.stdout


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    runner = CliRunner(env={"COLUMNS": "300"})
    db = db_url(tmp_path / "usage.db")

    def usage(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, list(args))
        return result.exit_code, result.stderr

    code, errors = usage("crawl", "--db", db, "ftp://iom.int/x")
    assert code == 2 and "not an absolute http(s) URL" in errors
    code, errors = usage("crawl", "--db", db)
    assert code == 2 and "nothing to crawl" in errors
    code, errors = usage("crawl", "--db", db, "--urls", str(tmp_path / "missing.txt"))
    assert code == 2 and "missing.txt" in errors
    (tmp_path / "bad.txt").write_text("# start\nhttps://iom.int/fr/node/1\nnot a url\n", encoding="utf-8")
    code, errors = usage("crawl", "--db", db, "--urls", str(tmp_path / "bad.txt"))
    assert code == 2 and "bad.txt:3:" in errors
    code, errors = usage("crawl", "--db", db, "--no-default-hosts", "https://iom.int/fr/node/1")
    assert code == 2 and "no host left to crawl" in errors
    assert usage("crawl", "--db", db, "--rate", "0", "https://iom.int/fr/node/1")[0] == 2
    assert usage("update", "--db", db, "--report", str(tmp_path / "no" / "such.json"))[0] == 2
