"""JSON and NDJSON: parse back, totals, full records, ISO times, and streaming."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fundatlas.export import export, jsonl
from fundatlas.query import Portfolio, SearchFilters


def test_json_whole_portfolio(portfolio: Portfolio, tmp_path: Path) -> None:
    result = export(portfolio, "json")
    document = json.loads(result.content())
    assert list(document) == ["generated", "filters", "total", "projects"]
    assert document["filters"] == {} and document["generated"].endswith("Z")
    assert document["total"] == len(document["projects"]) == 63
    first = document["projects"][0]
    assert {"texts", "beneficiaries", "findings", "sources", "budget_usd", "key"} <= set(first)
    assert first == json.loads(json.dumps(first))
    assert first["updated_at"].endswith("Z") and first["sources"][0]["seen_at"].endswith("Z")
    path = tmp_path / "all.json"
    assert result.write(path) == [path]
    assert json.loads(path.read_bytes())["total"] == 63


@pytest.mark.parametrize(("filters", "expected"), [(SearchFilters(idf_region=("africa",)), 23),
                                                   (SearchFilters(q="trafficking"), 5)])
def test_json_filtered(portfolio: Portfolio, filters: SearchFilters, expected: int) -> None:
    document = json.loads(export(portfolio, "json", filters).content())
    assert document["total"] == len(document["projects"]) == expected
    assert document["filters"] == filters.to_dict()
    ids = portfolio.matching_ids(filters, sort="project_id")
    assert [p["id"] for p in document["projects"]] == ids


def test_ndjson_one_full_record_per_line(portfolio: Portfolio) -> None:
    data = export(portfolio, "ndjson").content()
    lines = data.decode("utf-8").splitlines()
    assert len(lines) == 63 and data.endswith(b"\n")
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == portfolio.matching_ids(sort="project_id")
    assert sum(len(r["beneficiaries"]) for r in records) == 163
    assert all(isinstance(r["created_at"], str) for r in records)
    africa = export(portfolio, "ndjson", SearchFilters(idf_region=("africa",))).content().splitlines()
    assert len(africa) == 23 and all(json.loads(line)["idf_region"] == "africa" for line in africa)


def test_text_formats_stream_as_they_read(portfolio: Portfolio, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonl, "CHUNK_ROWS", 10)
    result = export(portfolio, "ndjson")
    done: list[int] = []
    result.on_progress(done.append)
    assert done == []  # the selection is made, but no project is read before the stream is consumed
    read_when_sent = [done[-1] if done else 0 for _ in result.chunks()]
    assert read_when_sent[0] < 63 and len(read_when_sent) == 7 and done[-1] == 63
