"""The Frictionless data package: valid by `frictionless validate` (Python API and CLI), keys and all."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import frictionless
import pytest

from fundatlas.export import TABLES, export
from fundatlas.query import Portfolio, SearchFilters


def validate(path: Path) -> None:
    report = frictionless.validate(str(path))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "message"])


def test_whole_portfolio_folder_is_valid(portfolio: Portfolio, tmp_path: Path) -> None:
    folder = tmp_path / "package"
    written = export(portfolio, "datapackage").write(folder)
    assert [p.name for p in written] == ["datapackage.json", "projects.csv", "beneficiaries.csv", "findings.csv"]
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in descriptor["resources"]] == list(TABLES)
    assert descriptor["licenses"] and descriptor["sources"] and descriptor["fundatlas"]["total"] == 63
    resources = {r["name"]: r for r in descriptor["resources"]}
    assert resources["projects"]["schema"]["primaryKey"] == ["id"]
    assert resources["beneficiaries"]["schema"]["primaryKey"] == ["project", "position"]
    assert resources["findings"]["schema"]["foreignKeys"] == [
        {"fields": ["project"], "reference": {"resource": "projects", "fields": ["id"]}}]
    types = {f["name"]: f["type"] for f in resources["projects"]["schema"]["fields"]}
    assert types["budget_usd"] == "number" and types["year"] == "integer" and types["updated_at"] == "datetime"
    validate(folder / "datapackage.json")
    frictionless_cli = Path(sys.executable).parent / "frictionless"
    done = subprocess.run([str(frictionless_cli), "validate", "datapackage.json"], cwd=folder,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "VALID" in done.stdout and "INVALID" not in done.stdout


@pytest.mark.parametrize("filters", [SearchFilters(idf_region=("africa",)), SearchFilters(q="trafficking")])
def test_filtered_zip_is_valid(portfolio: Portfolio, tmp_path: Path, filters: SearchFilters) -> None:
    result = export(portfolio, "datapackage", filters)
    assert result.media_type == "application/zip" and not result.streamed
    archive = tmp_path / "package.zip"
    archive.write_bytes(result.content())
    with zipfile.ZipFile(archive) as opened:
        assert sorted(opened.namelist()) == ["beneficiaries.csv", "datapackage.json", "findings.csv", "projects.csv"]
        opened.extractall(tmp_path / "unzipped")
    validate(tmp_path / "unzipped" / "datapackage.json")
    rows = (tmp_path / "unzipped" / "projects.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) - 1 == len(portfolio.matching_ids(filters))


def test_a_broken_package_is_caught(portfolio: Portfolio, tmp_path: Path) -> None:
    """The validation is real: a dangling foreign key and a bad type are reported."""
    folder = tmp_path / "package"
    export(portfolio, "datapackage", SearchFilters(country=("TUV",))).write(folder)
    shutil.copy(folder / "beneficiaries.csv", tmp_path / "kept.csv")
    with (folder / "beneficiaries.csv").open("a", encoding="utf-8", newline="") as handle:
        handle.write("99999,X,0,FJI,Fiji,Fidji,maybe,fr\r\n")
    report = frictionless.validate(str(folder / "datapackage.json"))
    kinds = {error.type for task in report.tasks for error in task.errors}
    assert not report.valid and {"foreign-key", "type-error"} <= kinds


def test_zip_output_path_from_write(portfolio: Portfolio, tmp_path: Path) -> None:
    path = tmp_path / "p.zip"
    assert export(portfolio, "datapackage").write(path) == [path]
    assert zipfile.is_zipfile(path)
