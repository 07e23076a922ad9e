"""CSV: RFC 4180 read back with the csv module, row counts, the second file, and the formula guard."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from export_helpers import detail

from fundatlas.export import TABLES, ExportError, export
from fundatlas.export.csv_ import csv_chunks, format_cell, guard_formula
from fundatlas.query import Portfolio, SearchFilters


def read(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def test_whole_portfolio_one_row_per_project(portfolio: Portfolio) -> None:
    result = export(portfolio, "csv")
    data = result.content()
    assert data.startswith(b"id,project_id,prima_id,key,title,") and b"\r\n" in data
    rows = read(data)
    assert list(rows[0]) == TABLES["projects"].header
    assert len(rows) == result.total == portfolio.totals()["projects"] == 63
    assert len({row["id"] for row in rows}) == 63
    assert sum(float(row["budget_usd"]) for row in rows) == portfolio.totals()["usd"]
    assert [row["project_id"] for row in rows] == sorted(row["project_id"] for row in rows)
    assert {row["status"] for row in rows} <= {"active", "completed", ""}
    assert all(row["updated_at"].endswith("Z") for row in rows)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [(SearchFilters(idf_region=("africa",)), 23), (SearchFilters(q="trafficking"), 5)],
)
def test_filtered_selection(portfolio: Portfolio, filters: SearchFilters, expected: int) -> None:
    rows = read(export(portfolio, "csv", filters).content())
    assert len(rows) == expected == portfolio.search(filters)["total"]
    if filters.idf_region:
        assert {row["idf_region"] for row in rows} == {"africa"}


def test_write_puts_beneficiaries_and_findings_beside(portfolio: Portfolio, tmp_path: Path) -> None:
    written = export(portfolio, "csv").write(tmp_path / "projects.csv")
    assert [p.name for p in written] == ["projects.csv", "projects-beneficiaries.csv", "projects-findings.csv"]
    projects = read(written[0].read_bytes())
    beneficiaries = read(written[1].read_bytes())
    findings = read(written[2].read_bytes())
    assert list(beneficiaries[0]) == TABLES["beneficiaries"].header
    assert len(beneficiaries) == sum(int(row["countries_count"]) for row in projects) == 163
    counts = sum(int(row[f"findings_{s}"]) for row in projects for s in ("error", "warning", "info"))
    assert len(findings) == counts > 0
    assert {row["eligible"] for row in beneficiaries} <= {"true", "false"}
    ids = {row["id"] for row in projects}
    assert {row["project"] for row in beneficiaries} <= ids and {row["project"] for row in findings} <= ids


def test_write_into_a_folder_and_one_table(portfolio: Portfolio, tmp_path: Path) -> None:
    written = export(portfolio, "csv", SearchFilters(country=("TUV",))).write(tmp_path)
    assert sorted(p.name for p in written) == ["beneficiaries.csv", "findings.csv", "projects.csv"]
    only = export(portfolio, "csv", table="beneficiaries")
    assert only.filename == "fundatlas-beneficiaries.csv"
    assert only.write(tmp_path / "b.csv") == [tmp_path / "b.csv"]
    assert len(read((tmp_path / "b.csv").read_bytes())) == 163
    with pytest.raises(ExportError):
        export(portfolio, "json", table="beneficiaries")
    with pytest.raises(ExportError):
        export(portfolio, "yaml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-", "-"),
        ("--", "--"),
        ("-5", "-5"),
        ("-5.25", "-5.25"),
        ("+33", "+33"),
        ("Mauritanie", "Mauritanie"),
        ("a=b", "a=b"),
    ],
)
def test_formula_guard_on_text(text: str, expected: str) -> None:
    assert guard_formula(text) == expected


def test_numbers_are_never_guarded() -> None:
    assert format_cell(-5.0) == "-5"
    assert format_cell(-1250.5) == "-1250.5"
    assert format_cell(-3) == "-3"
    assert format_cell(300000.0) == "300000"
    assert format_cell(True) == "true" and format_cell(None) == ""


def test_rfc4180_quoting_and_guard_read_back() -> None:
    record = detail(title='=1+1, "quoted"\nsecond line', texts={}, beneficiaries=[
        {"position": 0, "iso3": "MRT", "name": "-@Mauritanie", "eligible": False, "lang": None}])
    projects = read(b"".join(csv_chunks(TABLES["projects"], [record])))
    assert projects[0]["title"] == "'=1+1, \"quoted\"\nsecond line"
    assert projects[0]["budget_usd"] == "300000" and projects[0]["countries"] == "MRT"
    beneficiaries = read(b"".join(csv_chunks(TABLES["beneficiaries"], [record])))
    assert beneficiaries[0]["name"] == "'-@Mauritanie" and beneficiaries[0]["eligible"] == "false"
    assert beneficiaries[0]["country"] == "Mauritania"
