"""`fundatlas export` as a user runs it: real subprocesses for the main paths (standard output, --output
files, exit codes), and Typer's in-process runner for the many option checks (each subprocess pays the
whole CLI's start-up)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from fundatlas.cli import app
from fundatlas.cli.export import ExportFormat, TableName
from fundatlas.export import FORMATS, TABLES
from fundatlas.query import Portfolio, SearchFilters

FUNDATLAS = [sys.executable, "-m", "fundatlas", "export"]


def run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*FUNDATLAS, *args], capture_output=True, timeout=120)


def invoke(*args: str) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(app, ["export", *args])
    return result.exit_code, result.stdout_bytes, result.stderr


def test_the_cli_knows_every_format_and_table() -> None:
    assert [f.value for f in ExportFormat] == list(FORMATS)
    assert [t.value for t in TableName] == list(TABLES)


def test_subprocess_csv_to_standard_output(export_db: str) -> None:
    done = run("--format", "csv", "--db", export_db, "--region", "africa")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout.decode("utf-8"), newline="")))
    assert len(rows) == 23 and {r["idf_region"] for r in rows} == {"africa"}
    assert b"23 project(s) exported as csv to standard output" in done.stderr


def test_subprocess_output_files(export_db: str, tmp_path: Path) -> None:
    done = run("-f", "csv", "--db", export_db, "--output", str(tmp_path / "projects.csv"))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "projects-beneficiaries.csv", "projects-findings.csv", "projects.csv"]
    package = tmp_path / "package"
    done = run("-f", "datapackage", "--db", export_db, "-o", str(package), "--coverage", "regional")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in package.iterdir()) == [
        "beneficiaries.csv", "datapackage.json", "findings.csv", "projects.csv"]
    assert json.loads((package / "datapackage.json").read_text())["fundatlas"]["filters"] == {
        "coverage": ["regional"]}


def test_subprocess_exit_codes(export_db: str, tmp_path: Path) -> None:
    done = run("-f", "xlsx", "--db", export_db)
    assert done.returncode == 2 and b"binary format" in done.stderr and done.stdout == b""
    done = run("-f", "json", "--db", export_db, "--region", "mars")
    assert done.returncode == 2 and b"idf_region: 'mars' is not one of" in done.stderr
    piped = run("-f", "xlsx", "--db", export_db, "-o", "-")
    assert piped.returncode == 0 and piped.stdout.startswith(b"PK")
    assert load_workbook(io.BytesIO(piped.stdout))["findings"].max_row == 36


def test_filters_reach_the_selection(export_db: str, portfolio: Portfolio) -> None:
    code, out, _ = invoke("-f", "ndjson", "--db", export_db, "--q", "trafficking", "--year-from", "2000")
    assert code == 0
    expected = portfolio.matching_ids(SearchFilters(q="trafficking", year_from=2000))
    assert [json.loads(line)["id"] for line in out.splitlines()] == expected and expected
    code, out, _ = invoke("-f", "iati", "--db", export_db, "--country", "tuv", "--country", "FJI", "--status",
                          "active", "--type", "labour_migration", "--budget-min", "1", "--budget-max", "1e9",
                          "--lang", "en")
    assert code == 0 and b'<iati-activities version="2.03"' in out
    code, out, _ = invoke("-f", "csv", "--db", export_db, "--table", "findings", "--has-findings", "warning")
    assert code == 0 and out.startswith(b"id,project,project_id,rule,severity,")
    code, out, _ = invoke("-f", "json", "--db", export_db, "--sort", "-budget", "--coverage", "national")
    budgets = [p["budget_usd"] for p in json.loads(out)["projects"]]
    assert code == 0 and budgets == sorted(budgets, reverse=True)


def test_files_and_notes(export_db: str, tmp_path: Path) -> None:
    code, _, err = invoke("-f", "iati", "--db", export_db, "-o", str(tmp_path / "iati.xml"))
    assert code == 0 and "note: CE.0231" in err and (tmp_path / "iati.xml").stat().st_size > 0
    code, _, _ = invoke("-f", "xlsx", "--db", export_db, "-o", str(tmp_path / "all.xlsx"))
    assert code == 0 and load_workbook(tmp_path / "all.xlsx")["projects"].max_row == 64
    code, _, _ = invoke("-f", "csv", "--db", export_db, "-o", str(tmp_path / "b.csv"), "--table", "beneficiaries")
    assert code == 0 and not (tmp_path / "b-beneficiaries.csv").exists()
    code, _, _ = invoke("-f", "datapackage", "--db", export_db, "-o", str(tmp_path / "p.zip"))
    assert code == 0 and (tmp_path / "p.zip").read_bytes().startswith(b"PK")
    for fmt in ("geojson", "json", "ndjson"):
        code, _, err = invoke("-f", fmt, "--db", export_db, "-o", str(tmp_path / f"x.{fmt}"))
        assert code == 0 and f"exported as {fmt} to {tmp_path / f'x.{fmt}'}" in err


def test_bad_values_exit_2_with_the_reason(export_db: str, tmp_path: Path) -> None:
    checks = [
        (["--year-from", "2020", "--year-to", "2010"], "year_from (2020) is after year_to (2010)"),
        (["--sort", "sideways"], "sort: 'sideways' is not one of"),
        (["--table", "projects"], "only the csv format"),
        (["--has-findings", "lots"], "has_findings: 'lots'"),
        (["--country", "FJ"], "not an ISO 3166-1 alpha-3 code"),
        (["-o", str(tmp_path / "no" / "such" / "folder.json")], "--output"),
    ]
    for args, message in checks:
        code, out, err = invoke("-f", "json", "--db", export_db, *args)
        assert code == 2 and message in " ".join(err.split()), (args, err)
    assert invoke("-f", "yaml", "--db", export_db)[0] == 2
    code, _, err = invoke("-f", "json", "--db", f"sqlite:///{tmp_path / 'missing.db'}")
    assert code == 2 and "no store at" in err and not (tmp_path / "missing.db").exists()
    code, _, err = invoke("-f", "xlsx", "--db", export_db, "-o", str(tmp_path))
    assert code == 2 and "is a folder" in err
