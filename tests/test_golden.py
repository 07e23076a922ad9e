"""Golden files: every development-set page against its reviewed parse (regenerate: `make golden`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fundatlas import parse_page
from fundatlas.model import PROJECT_KEYS

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
PAGES = sorted(CORPUS.glob("*.txt"))


def test_every_page_has_a_golden_file() -> None:
    assert len(PAGES) >= 77
    missing = [p.name for p in PAGES if not p.with_suffix(".json").exists()]
    assert not missing, f"run `make golden`: {missing}"


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_page_matches_golden(page: Path) -> None:
    expected: dict[str, Any] = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    got = parse_page(page.read_bytes(), path=page.name).to_dict()
    assert got["source"] == expected["source"]
    assert got["is_project"] == expected["is_project"]
    assert got["errors"] == expected["errors"]
    assert got["warnings"] == expected["warnings"]
    if expected["project"] is None:
        assert got["project"] is None
        return
    for key in PROJECT_KEYS:
        assert got["project"][key] == expected["project"][key], key
