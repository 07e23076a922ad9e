"""XLSX read back with openpyxl: sheets, typed cells, frozen header, autofilter, no formulas."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from export_helpers import detail
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from fundatlas.export import TABLES, export
from fundatlas.export.xlsx import xlsx_bytes
from fundatlas.query import Portfolio, SearchFilters


def test_whole_portfolio(portfolio: Portfolio, tmp_path: Path) -> None:
    result = export(portfolio, "xlsx")
    assert not result.streamed and result.filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(result.content()))
    assert workbook.sheetnames == ["projects", "beneficiaries", "findings"]
    expected_rows = {"projects": 63, "beneficiaries": 163, "findings": 35}
    for name, table in TABLES.items():
        sheet = workbook[name]
        assert [cell.value for cell in sheet[1]] == table.header
        assert all(cell.font.bold for cell in sheet[1])
        assert sheet.max_row == expected_rows[name] + 1
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(table.columns))}{sheet.max_row}"
        assert sheet.column_dimensions["A"].width == table.columns[0].width
        assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
    projects = workbook["projects"]
    header = [cell.value for cell in projects[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in projects.iter_rows(min_row=2)]
    assert all(isinstance(r["id"], int) and isinstance(r["budget_usd"], int | float) for r in rows)
    assert all(isinstance(r["year"], int) for r in rows if r["year"] is not None)
    assert all(isinstance(r["findings_error"], int) for r in rows)
    assert all(isinstance(r["updated_at"], datetime) for r in rows)
    assert sum(r["budget_usd"] for r in rows) == portfolio.totals()["usd"]
    eligible = [row[6].value for row in workbook["beneficiaries"].iter_rows(min_row=2)]
    assert eligible and all(isinstance(value, bool) for value in eligible)
    path = tmp_path / "out.xlsx"
    assert result.write(path) == [path]
    assert len(list(load_workbook(path, read_only=True)["projects"].iter_rows())) == 64


@pytest.mark.parametrize(("filters", "expected"), [(SearchFilters(idf_region=("africa",)), 23),
                                                   (SearchFilters(q="trafficking"), 5)])
def test_filtered_selection(portfolio: Portfolio, filters: SearchFilters, expected: int) -> None:
    workbook = load_workbook(io.BytesIO(export(portfolio, "xlsx", filters).content()))
    assert workbook["projects"].max_row == expected + 1
    assert workbook["projects"].auto_filter.ref == f"A1:AB{expected + 1}"


def test_text_that_looks_like_a_formula_stays_text() -> None:
    record = detail(title="=HYPERLINK(\"http://example.org\",\"x\")", mission="=1+1\x07")
    sheet = load_workbook(io.BytesIO(xlsx_bytes([record])))["projects"]
    header = [cell.value for cell in sheet[1]]
    title = sheet.cell(row=2, column=header.index("title") + 1)
    assert title.data_type == "s" and title.value == "=HYPERLINK(\"http://example.org\",\"x\")"
    assert sheet.cell(row=2, column=header.index("mission") + 1).value == "=1+1"
