"""`fundatlas export`: the portfolio or a selection as CSV, XLSX, JSON, NDJSON, GeoJSON, IATI or a data package."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from fundatlas.cli._app import DbOption, app
from fundatlas.errors import StoreError
from fundatlas.export import FORMATS, Export, ExportError, export
from fundatlas.query import SORTS, Portfolio, QueryError, SearchFilters
from fundatlas.store import resolve_db_url
from fundatlas.store.database import database_file


class ExportFormat(StrEnum):
    """The formats of ``fundatlas.export.FORMATS`` (a test keeps the two in step)."""

    csv = "csv"
    xlsx = "xlsx"
    json = "json"
    ndjson = "ndjson"
    geojson = "geojson"
    iati = "iati"
    datapackage = "datapackage"


class TableName(StrEnum):
    """The tables of ``fundatlas.export.TABLES``."""

    projects = "projects"
    beneficiaries = "beneficiaries"
    findings = "findings"


_HELP = "\n\n".join([
    "Export the projects the filters select (all by default), in Project ID order.",
    "Where it goes: with no --output (or with --output -), a text format (csv, json, ndjson, geojson, iati) is "
    "written to standard output; xlsx and datapackage need --output (or --output - with standard output "
    "redirected to a file or a pipe).",
    "--output for csv: PATH.csv gets the projects table, and the beneficiaries and findings tables go beside it "
    "as PATH-beneficiaries.csv and PATH-findings.csv; an existing folder gets projects.csv, beneficiaries.csv and "
    "findings.csv; with --table, only that table is written, to PATH. For datapackage: a folder (created if "
    "needed) with datapackage.json and the three CSVs, or PATH.zip for one zip archive.",
    "A summary (and a progress bar, at a terminal) goes to standard error. Exit status: 0; 2 for a bad option or "
    "filter value, an unusable output path or a missing store.",
])


def _many(name: str, metavar: str, text: str) -> Any:
    return typer.Option(name, metavar=metavar, help=f"{text} (repeatable).")


FormatOption = Annotated[ExportFormat, typer.Option("--format", "-f", help="The format.")]
OutputOption = Annotated[Path | None, typer.Option("--output", "-o", metavar="PATH",
                                                   help="File or folder to write (see above); '-': standard output.")]
QueryOption = Annotated[str | None, typer.Option("--q", metavar="TEXT", help="Full-text query (the search syntax).")]
RegionOption = Annotated[list[str] | None, _many("--region", "REGION", "IDF region: africa, asia_oceania, "
                                                 "latin_america_caribbean, middle_east_north_africa, "
                                                 "europe_central_asia, global")]
TypeOption = Annotated[list[str] | None, _many("--type", "TYPE", "Project type code")]
StatusOption = Annotated[list[str] | None, _many("--status", "STATUS", "active or completed")]
CoverageOption = Annotated[list[str] | None, _many("--coverage", "COVERAGE", "national, regional, global or "
                                                   "interregional")]
CountryOption = Annotated[list[str] | None, _many("--country", "ISO3", "Beneficiary country, ISO alpha-3")]
LangOption = Annotated[list[str] | None, _many("--lang", "LANG", "Has a page in fr, en or es")]
YearFromOption = Annotated[int | None, typer.Option("--year-from", metavar="YEAR",
                                                    help="Year (allocation, else start) from.")]
YearToOption = Annotated[int | None, typer.Option("--year-to", metavar="YEAR",
                                                  help="Year (allocation, else start) to.")]
BudgetMinOption = Annotated[float | None, typer.Option("--budget-min", metavar="USD", help="Budget in USD at least.")]
BudgetMaxOption = Annotated[float | None, typer.Option("--budget-max", metavar="USD", help="Budget in USD at most.")]
FindingsOption = Annotated[str | None, typer.Option("--has-findings", metavar="WHICH",
                                                    help="any, none, error, warning or info.")]
SortOption = Annotated[str, typer.Option("--sort", metavar="SORT", help=f"Order: {', '.join(SORTS)}.")]
TableOption = Annotated[TableName | None, typer.Option("--table", help="csv only: write just this table.")]


def _fail(errors: Console, message: str) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(2)


@app.command("export", help=_HELP)
def export_command(
    output_format: FormatOption,
    output: OutputOption = None,
    db: DbOption = None,
    q: QueryOption = None,
    region: RegionOption = None,
    project_type: TypeOption = None,
    status: StatusOption = None,
    coverage: CoverageOption = None,
    country: CountryOption = None,
    year_from: YearFromOption = None,
    year_to: YearToOption = None,
    budget_min: BudgetMinOption = None,
    budget_max: BudgetMaxOption = None,
    has_findings: FindingsOption = None,
    lang: LangOption = None,
    sort: SortOption = "project_id",
    table: TableOption = None,
) -> None:
    errors = Console(stderr=True, soft_wrap=True)
    fmt = str(output_format.value)
    to_stdout = output is None or str(output) == "-"
    if to_stdout and not FORMATS[fmt].streamed and (output is None or sys.stdout.isatty()):
        raise _fail(errors, f"{fmt} is a binary format: give --output PATH (or --output - with standard output "
                            "redirected)")
    try:
        filters = SearchFilters(
            q=q, idf_region=tuple(region or ()), project_type=tuple(project_type or ()), status=tuple(status or ()),
            coverage=tuple(coverage or ()), country=tuple(country or ()), year_from=year_from, year_to=year_to,
            budget_min=budget_min, budget_max=budget_max, has_findings=has_findings, lang=tuple(lang or ()),
        )
    except QueryError as exc:
        raise _fail(errors, str(exc)) from exc
    portfolio = _open(errors, db)
    started = time.perf_counter()
    try:
        result = export(portfolio, fmt, filters, sort=sort, table=table.value if table is not None else None)
        written = _deliver(result, None if to_stdout else output, errors)
    except (QueryError, ExportError) as exc:
        raise _fail(errors, str(exc)) from exc
    except OSError as exc:
        raise _fail(errors, f"--output {output}: {exc.strerror or exc}") from exc
    finally:
        portfolio.engine.dispose()
    for note in result.notes:
        errors.print(f"note: {note}", highlight=False)
    errors.print(f"{result.total} project(s) exported as {fmt} to {', '.join(written)} "
                 f"in {time.perf_counter() - started:.2f} s", highlight=False)


def _open(errors: Console, db: str | None) -> Portfolio:
    url = resolve_db_url(db)
    store_file = database_file(url)
    if store_file is not None and not store_file.exists():
        raise _fail(errors, f"no store at {store_file}: run `fundatlas ingest` first, or give --db")
    try:
        return Portfolio(url)
    except StoreError as exc:
        raise _fail(errors, str(exc)) from exc


def _deliver(result: Export, output: Path | None, errors: Console) -> list[str]:
    """Stream to standard output, or write at ``output`` with a progress bar; returns where it went."""
    if output is None:
        _to_stdout(result.chunks())
        return ["standard output"]
    progress = Progress(TextColumn("exporting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=errors, disable=not errors.is_terminal)
    with progress:
        task = progress.add_task("export", total=result.total)
        result.on_progress(lambda done: progress.update(task, completed=done))
        return [str(path) for path in result.write(output)]


def _to_stdout(chunks: Iterator[bytes]) -> None:
    """Write byte chunks to standard output; a closed pipe (``| head``) ends quietly."""
    stream = sys.stdout.buffer
    try:
        for chunk in chunks:
            stream.write(chunk)
        stream.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(0) from None
