"""Exports of the whole portfolio or any filtered selection, one module per format.

One entry point for the CLI and the REST API::

    from fundatlas.export import export
    result = export(Portfolio(url), "csv", SearchFilters(idf_region=("africa",)))
    result.media_type, result.filename      # for an HTTP response
    for chunk in result.chunks(): ...       # bytes, streamed for the text formats
    result.write(Path("out/projects.csv"))  # the CLI: may write several files

Formats (``FORMATS``):

* ``csv``: the projects table (``table=`` picks beneficiaries or findings); ``write`` writes all three;
* ``xlsx``: sheets projects, beneficiaries, findings;
* ``json`` and ``ndjson``: the full project records;
* ``geojson``: one Feature per beneficiary country;
* ``iati``: IATI activity XML 2.03;
* ``datapackage``: a Frictionless data package (a zip for ``chunks()``/``content()``, a folder for ``write``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from fundatlas.export import csv_, datapackage, geojson, iati, jsonl
from fundatlas.export.base import Export, ExportError, Selection
from fundatlas.export.tables import TABLES
from fundatlas.query import Portfolio, SearchFilters

__all__ = ["FORMATS", "TABLES", "Export", "ExportError", "Format", "export"]

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Format:
    """What a format is: its media type, file name, whether it streams, and one line about it."""

    name: str
    media_type: str
    filename: str
    streamed: bool
    description: str


FORMATS: dict[str, Format] = {
    item.name: item
    for item in (
        Format("csv", "text/csv; charset=utf-8", "fundatlas-projects.csv", True,
               "projects table (RFC 4180, UTF-8); beneficiaries and findings as files beside it"),
        Format("xlsx", XLSX_MEDIA_TYPE, "fundatlas-projects.xlsx", False,
               "workbook: sheets projects, beneficiaries, findings"),
        Format("json", "application/json", "fundatlas-projects.json", True,
               '{"generated", "filters", "total", "projects": [full records]}'),
        Format("ndjson", "application/x-ndjson", "fundatlas-projects.ndjson", True, "one full record per line"),
        Format("geojson", geojson.MEDIA_TYPE, "fundatlas-countries.geojson", True,
               "FeatureCollection, one Feature per beneficiary country"),
        Format("iati", "application/xml", "fundatlas-iati-activities.xml", True, "IATI activity XML 2.03"),
        Format("datapackage", datapackage.ZIP_MEDIA_TYPE, "fundatlas-datapackage.zip", False,
               "Frictionless data package: datapackage.json and the three CSVs"),
    )
}


def export(
    portfolio: Portfolio,
    fmt: str,
    filters: SearchFilters | None = None,
    *,
    sort: str = "project_id",
    table: str | None = None,
) -> Export:
    """An export of the projects ``filters`` select (all of them by default), in ``sort`` order.

    The selection is made now (so bad filters raise ``QueryError`` here, before any byte is sent);
    the projects are read when the export is streamed or written. ``table`` (csv only) picks the
    table: ``projects`` (the default for ``chunks()``), ``beneficiaries`` or ``findings``.
    Raises ``ExportError`` for an unknown format or table.
    """
    if fmt not in FORMATS:
        raise ExportError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}")
    if table is not None and (fmt != "csv" or table not in TABLES):
        raise ExportError(f"table: only the csv format takes a table, one of {', '.join(TABLES)}")
    info = FORMATS[fmt]
    selection = Selection.of(portfolio, filters, sort=sort)
    builders = {
        "csv": _csv,
        "xlsx": _xlsx,
        "json": _json,
        "ndjson": _ndjson,
        "geojson": _geojson,
        "iati": _iati,
        "datapackage": _datapackage,
    }
    return builders[fmt](info, selection, table)


def _csv(info: Format, selection: Selection, table: str | None) -> Export:
    chosen = TABLES[table or "projects"]

    def write(path: Path) -> list[Path]:
        if table is not None:
            return csv_.write_csv_files({path: chosen}, selection.details())
        if path.is_dir():
            targets = {path / f"{name}.csv": each for name, each in TABLES.items()}
        else:
            targets = {path: TABLES["projects"]}
            for name in ("beneficiaries", "findings"):
                targets[path.with_name(f"{path.stem}-{name}{path.suffix or '.csv'}")] = TABLES[name]
        return csv_.write_csv_files(targets, selection.details())

    filename = info.filename if table is None else f"fundatlas-{table}.csv"
    return Export(info.name, info.media_type, filename, True, selection,
                  lambda: csv_.csv_chunks(chosen, selection.details()), write)


def _xlsx(info: Format, selection: Selection, _: str | None) -> Export:
    from fundatlas.export import xlsx  # openpyxl takes a fifth of a second to import: only when asked

    def write(path: Path) -> list[Path]:
        if path.is_dir():
            raise ExportError(f"{path} is a folder; give a file name such as projects.xlsx")
        xlsx.write_xlsx(selection.details(), path)
        return [path]

    return Export(info.name, info.media_type, info.filename, False, selection,
                  lambda: _whole(lambda: xlsx.xlsx_bytes(selection.details())), write)


def _json(info: Format, selection: Selection, _: str | None) -> Export:
    return Export(info.name, info.media_type, info.filename, True, selection,
                  lambda: jsonl.json_chunks(selection.header(), selection.details()))


def _ndjson(info: Format, selection: Selection, _: str | None) -> Export:
    return Export(info.name, info.media_type, info.filename, True, selection,
                  lambda: jsonl.ndjson_chunks(selection.details()))


def _geojson(info: Format, selection: Selection, _: str | None) -> Export:
    return Export(info.name, info.media_type, info.filename, True, selection,
                  lambda: geojson.geojson_chunks(selection.header(), selection.details()))


def _iati(info: Format, selection: Selection, _: str | None) -> Export:
    notes: list[str] = []
    result = Export(info.name, info.media_type, info.filename, True, selection,
                    lambda: iati.iati_chunks(selection.details(), selection.generated, notes))
    result.notes = notes
    return result


def _datapackage(info: Format, selection: Selection, _: str | None) -> Export:
    arguments = (selection.header()["generated"], selection.filters, selection.total)

    def write(path: Path) -> list[Path]:
        if path.suffix.lower() == ".zip":
            path.write_bytes(datapackage.zip_datapackage(selection.details(), *arguments))
            return [path]
        return datapackage.write_datapackage(path, selection.details(), *arguments)

    return Export(info.name, info.media_type, info.filename, False, selection,
                  lambda: _whole(lambda: datapackage.zip_datapackage(selection.details(), *arguments)), write)


def _whole(build: Callable[[], bytes]) -> Iterator[bytes]:
    """A binary export as a one-chunk stream, built when first read."""
    yield build()
