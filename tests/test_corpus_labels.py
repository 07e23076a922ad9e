"""The parser against the hand-made labels of the development set (the truth, not our own output)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fundatlas import parse_page
from fundatlas.text import fold

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
LABELS = [json.loads(line) for line in (CORPUS / "labels.jsonl").read_text(encoding="utf-8").splitlines() if line]
REGIONS: dict[str, str] = json.loads((CORPUS / "regions.json").read_text(encoding="utf-8"))
STATUS = {
    "actif": "active",
    "active": "active",
    "activo": "active",
    "acheve": "completed",
    "completed": "completed",
    "finalizado": "completed",
}
COVERAGE = {"national": "national", "regional": "regional", "global": "global", "multi-regional": "interregional"}


def expected(label: dict[str, Any]) -> dict[str, Any]:
    def coded(table: dict[str, str], value: str | None) -> str | None:
        return None if value is None else table[fold(value)]

    return {
        "title": label.get("title") and " ".join(label["title"].split()),
        "project_id": label.get("project_id"),
        "prima_id": label.get("prima_id"),
        "budget_usd": label.get("budget_usd"),
        "year": label.get("year"),
        "start_year": label.get("start_year"),
        "end_year": label.get("end_year"),
        "duration_months": label.get("duration_months"),
        "status": coded(STATUS, label.get("status")),
        "coverage": coded(COVERAGE, label.get("coverage")),
        "idf_region": coded(REGIONS, label.get("idf_region")),
        "project_type_label": label.get("project_type") and " ".join(label["project_type"].split()),
        "eligible": label.get("beneficiary_countries") or [],
        "non_eligible": label.get("non_eligible_countries") or [],
    }


@pytest.mark.parametrize("label", LABELS, ids=[label["id"] for label in LABELS])
def test_page_matches_hand_labels(label: dict[str, Any]) -> None:
    page = CORPUS / f"{label['id']}.txt"
    result = parse_page(page.read_bytes(), path=page.name)
    assert result.is_project == label.get("is_project", True)
    if not result.is_project:
        assert result.project is None
        return
    project = result.project
    assert project is not None
    got = {key: getattr(project, key, None) for key in expected(label)}
    got["eligible"] = [b.iso3 for b in project.beneficiaries if b.eligible]
    got["non_eligible"] = [b.iso3 for b in project.beneficiaries if not b.eligible]
    assert got == expected(label)
