"""GET /api/export/{format}: every format of fundatlas.export, as an attachment of the right media type."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient

from fundatlas.api._export import CsvTable
from fundatlas.export import FORMATS, TABLES


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_each_format_downloads_with_its_media_type_and_file_name(client: TestClient, fmt: str) -> None:
    response = client.get(f"/api/export/{fmt}", params={"idf_region": "africa"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == FORMATS[fmt].media_type.split(";")[0]
    assert response.headers["content-disposition"] == f'attachment; filename="{FORMATS[fmt].filename}"'
    assert response.content


def test_the_filters_select_what_is_exported(client: TestClient) -> None:
    total = client.get("/api/projects", params={"q": "trafficking"}).json()["total"]
    rows = list(csv.DictReader(io.StringIO(client.get("/api/export/csv", params={"q": "trafficking"}).text)))
    assert len(rows) == total
    document = client.get("/api/export/json", params={"q": "trafficking", "sort": "-budget"}).json()
    assert document["total"] == total and document["filters"] == {"q": "trafficking"}
    budgets = [p["budget_usd"] for p in document["projects"] if p["budget_usd"] is not None]
    assert budgets == sorted(budgets, reverse=True)


def test_csv_tables_and_errors(client: TestClient) -> None:
    findings = client.get("/api/export/csv", params={"table": "findings"})
    assert findings.status_code == 200 and "fundatlas-findings.csv" in findings.headers["content-disposition"]
    wrong = client.get("/api/export/json", params={"table": "findings"})
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["query", "table"]
    unknown = client.get("/api/export/pdf")
    assert unknown.status_code == 404 and "csv" in unknown.json()["detail"]
    bad_filter = client.get("/api/export/csv", params={"per_page": 5, "year_from": 2030, "year_to": 2020})
    assert bad_filter.status_code == 422


def test_the_table_choices_match_the_export_module() -> None:
    assert CsvTable.__args__ == tuple(TABLES)  # type: ignore[attr-defined]


def test_ndjson_lines_are_full_records(client: TestClient) -> None:
    lines = client.get("/api/export/ndjson", params={"country": "FJI"}).text.splitlines()
    records = [json.loads(line) for line in lines]
    assert records and all("FJI" in [b["iso3"] for b in r["beneficiaries"]] for r in records)
