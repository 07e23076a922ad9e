"""A Frictionless tabular data package: ``datapackage.json`` and the three tables as CSV.

The CSVs are exactly those of the CSV export (``csv_``), spreadsheet formula guard included. The
descriptor gives each resource its Table Schema (field types, descriptions, required, enum and
pattern constraints, primary keys, and foreign keys from beneficiaries and findings to projects),
its size and SHA-256, the licence and the sources. Written as a folder for the CLI, or as one zip
archive (the descriptor and the CSVs at its root) for the API.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fundatlas import __version__
from fundatlas.export.base import ExportError
from fundatlas.export.csv_ import write_csv_files
from fundatlas.export.tables import LIST_SEPARATOR, TABLES, Column, Table
from fundatlas.query import SearchFilters

__all__ = ["DESCRIPTOR", "ZIP_MEDIA_TYPE", "descriptor", "table_schema", "write_datapackage", "zip_datapackage"]

DESCRIPTOR = "datapackage.json"
ZIP_MEDIA_TYPE = "application/zip"


def _field(column: Column) -> dict[str, Any]:
    out: dict[str, Any] = {"name": column.name, "type": column.type, "description": column.description}
    constraints: dict[str, Any] = {}
    if column.required:
        constraints["required"] = True
    if column.enum is not None:
        constraints["enum"] = list(column.enum)
    if column.pattern is not None:
        constraints["pattern"] = column.pattern
    if constraints:
        out["constraints"] = constraints
    return out


def table_schema(table: Table) -> dict[str, Any]:
    """The Table Schema of one table."""
    schema: dict[str, Any] = {
        "fields": [_field(column) for column in table.columns],
        "missingValues": [""],
        "primaryKey": list(table.primary_key),
    }
    if table.foreign_key is not None:
        schema["foreignKeys"] = [
            {"fields": [table.foreign_key], "reference": {"resource": "projects", "fields": ["id"]}}
        ]
    return schema


def descriptor(generated: str, filters: SearchFilters, total: int, files: dict[str, Path]) -> dict[str, Any]:
    """The package descriptor for CSV ``files`` (table name -> path) already written."""
    resources = []
    for name, path in files.items():
        table = TABLES[name]
        content = path.read_bytes()
        resources.append({
            "name": name,
            "title": table.title,
            "path": path.name,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "bytes": len(content),
            "hash": f"sha256:{hashlib.sha256(content).hexdigest()}",
            "schema": table_schema(table),
        })
    return {
        "profile": "tabular-data-package",
        "name": "fundatlas-idf-projects",
        "title": "IOM Development Fund projects",
        "description": (
            "Projects of the IOM Development Fund as published on its project pages, merged across French, "
            "English and Spanish, with their beneficiary countries and the findings of the Fund's rules. "
            f"Lists inside a cell are '{LIST_SEPARATOR}'-separated; text cells that begin with = + - @ carry a "
            "leading apostrophe so that spreadsheets do not run them as formulas."
        ),
        "version": "1.0.0",
        "created": generated,
        "keywords": ["IOM", "IOM Development Fund", "migration", "projects"],
        "licenses": [{
            "name": "other-at",
            "title": "Source text (c) International Organization for Migration; cite the IOM Development Fund's "
                     "project pages",
        }],
        "sources": [
            {"title": "IOM Development Fund project pages (www.iom.int, developmentfund.iom.int)"},
            {"title": f"fundatlas {__version__}: parsed, merged and checked"},
        ],
        "fundatlas": {"filters": filters.to_dict(), "total": total},
        "resources": resources,
    }


def write_datapackage(
    folder: Path, details: Iterable[dict[str, Any]], generated: str, filters: SearchFilters, total: int
) -> list[Path]:
    """The data package in ``folder`` (created if needed): ``datapackage.json`` and three CSVs."""
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder} is a file; a data package is written as a folder (or name it .zip)")
    folder.mkdir(parents=True, exist_ok=True)
    files = {name: folder / f"{name}.csv" for name in TABLES}
    write_csv_files({path: TABLES[name] for name, path in files.items()}, details)
    target = folder / DESCRIPTOR
    document = descriptor(generated, filters, total, files)
    target.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [target, *files.values()]


def zip_datapackage(details: Iterable[dict[str, Any]], generated: str, filters: SearchFilters, total: int) -> bytes:
    """The data package as one zip archive (descriptor and CSVs at its root)."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="fundatlas-datapackage-") as tmp:
        paths = write_datapackage(Path(tmp), details, generated, filters, total)
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in paths:
                archive.write(path, arcname=path.name)
    return buffer.getvalue()
