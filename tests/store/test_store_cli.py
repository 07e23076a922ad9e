"""`fundatlas ingest`, `check`, `report` and `reparse` as a user runs them: real subprocesses, real
SQLite files and PostgreSQL databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from backends import Databases, databases_for
from store_helpers import PAGES

FUNDATLAS = [sys.executable, "-m", "fundatlas"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FUNDATLAS, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200", **(env or {})})


@pytest.fixture(scope="module")
def demo_db(backend: str, tmp_path_factory: pytest.TempPathFactory,
            request: pytest.FixtureRequest) -> tuple[str, dict[str, object]]:
    folder = tmp_path_factory.mktemp("cli")
    url = databases_for(backend, folder, request).new("demo")
    done = run("ingest", "--db", url, "--report", str(folder / "out.json"), str(PAGES))
    assert done.returncode == 0, done.stderr
    assert "input(s):" in done.stdout and "stored" in done.stdout
    return url, json.loads((folder / "out.json").read_text(encoding="utf-8"))


def test_ingest_writes_every_outcome_to_the_report(demo_db: tuple[str, dict[str, object]]) -> None:
    _, report = demo_db
    outcomes = report["outcomes"]
    assert isinstance(outcomes, list) and len(outcomes) == len(list(PAGES.glob("*.txt")))
    assert {o["status"] for o in outcomes} == {"stored", "not a project"}
    counts = report["counts"]
    assert isinstance(counts, dict) and counts["stored"] + counts["not a project"] == len(outcomes)
    assert all(set(o) == {"input", "status", "reason", "sha256", "lang", "project"} for o in outcomes)


def test_check_filters_by_severity_and_rule(demo_db: tuple[str, dict[str, object]]) -> None:
    url, _ = demo_db
    everything = json.loads(run("check", "--db", url, "--format", "json").stdout)
    warnings = json.loads(run("check", "--db", url, "--severity", "warning", "--format", "json").stdout)
    assert everything and warnings and {f["severity"] for f in warnings} == {"warning"}
    assert len(warnings) < len(everything)
    rule = everything[0]["rule"]
    only = json.loads(run("check", "--db", url, "--rule", rule, "--format", "json").stdout)
    assert only and {f["rule"] for f in only} == {rule}
    assert {"project", "rule", "severity", "field", "lang", "message", "span_start", "span_end"} <= set(only[0])
    table = run("check", "--db", url, "--severity", "info", "--limit", "3")
    assert table.returncode == 0 and "3 of" in table.stdout
    unknown = run("check", "--db", url, "--rule", "no.such.rule")
    assert unknown.returncode == 2 and "unknown rule" in unknown.stderr


def test_report_gives_portfolio_totals(demo_db: tuple[str, dict[str, object]]) -> None:
    url, _ = demo_db
    report = json.loads(run("report", "--db", url, "--format", "json").stdout)
    assert report["totals"]["projects"] > 50
    assert set(report) >= {"by_year", "by_idf_region", "by_project_type", "by_coverage", "by_country",
                           "findings_by_rule"}
    assert sum(g["projects"] for g in report["by_idf_region"]) == report["totals"]["projects"]
    assert round(sum(g["usd"] for g in report["by_year"])) == round(report["totals"]["usd"])
    table = run("report", "--db", url)
    assert table.returncode == 0 and "By IDF region" in table.stdout and "Findings by rule" in table.stdout


def test_reparse_reports_no_change_on_an_unchanged_parser(demo_db: tuple[str, dict[str, object]]) -> None:
    url, _ = demo_db
    summary = json.loads(run("reparse", "--db", url, "--format", "json").stdout)
    assert summary["records_changed"] == [] and summary["projects"] == {}
    assert summary["sources"] == len(list(PAGES.glob("*.txt")))


def test_the_database_url_comes_from_the_environment_and_rejections_exit_1(tmp_path: Path,
                                                                          databases: Databases) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    page = tmp_path / "page.txt"
    page.write_bytes((PAGES / "fr-187546.txt").read_bytes())
    url = databases.new("env")
    env = {"FUNDATLAS_DB": url.replace("postgresql+psycopg://", "postgresql://")}  # the driver is implied
    done = run("ingest", str(page), str(empty), env=env)
    assert done.returncode == 1
    assert "rejected" in done.stdout and "empty" in done.stdout
    if databases.backend == "sqlite":
        assert (tmp_path / "env-1.db").exists()
    report = json.loads(run("report", "--format", "json", env=env).stdout)
    assert report["totals"]["projects"] == 1


def test_a_store_that_cannot_be_opened_exits_2(tmp_path: Path) -> None:
    done = run("report", "--db", f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")
    assert done.returncode == 2 and "does not exist" in done.stderr
    done = run("report", "--db", "postgresql://nobody@127.0.0.1:1/nothing")
    assert done.returncode == 2 and "cannot open" in done.stderr
