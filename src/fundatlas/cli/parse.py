"""`fundatlas parse`: pages to the parse contract's JSON."""


from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from fundatlas.cli._app import app
from fundatlas.files import expand_paths, parse_file
from fundatlas.model import ParseResult


class ParseFormat(StrEnum):
    jsonl = "jsonl"
    json = "json"
    table = "table"


@app.command()
def parse(
    paths: Annotated[list[Path], typer.Argument(help="Page files (.txt, .html, .htm) or folders of them.")],
    output_format: Annotated[
        ParseFormat | None,
        typer.Option("--format", "-f", help="jsonl (one object per file), json (an array) or table."),
    ] = None,
) -> None:
    """Parse project pages and print one JSON object per file, in input order.

    Exit status: 0 when every file was read, 1 when any could not be, 2 for bad usage.
    """
    chosen = output_format or (ParseFormat.table if sys.stdout.isatty() else ParseFormat.jsonl)
    results: list[ParseResult] = []
    failed = False
    for path in expand_paths(paths):
        result = parse_file(path)
        failed = failed or bool(result.errors)
        if chosen is ParseFormat.jsonl:
            sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
        else:
            results.append(result)
    if chosen is ParseFormat.json:
        json.dump([r.to_dict() for r in results], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif chosen is ParseFormat.table:
        _print_table(results)
    sys.stdout.flush()
    raise typer.Exit(1 if failed else 0)


def _print_table(results: list[ParseResult]) -> None:
    table = Table(title=f"{len(results)} page(s)", show_lines=False)
    for column in ("file", "lang", "layout", "project", "title", "USD", "years", "beneficiaries", "notes"):
        table.add_column(column, overflow="fold")
    for result in results:
        project = result.project
        name = Path(result.source.path or "").name
        notes = "; ".join(result.errors) or (f"{len(result.warnings)} warning(s)" if result.warnings else "")
        if project is None:
            table.add_row(
                name, result.source.lang or "", result.source.layout or "-", "", "not a project page", "", "", "", notes
            )
            continue
        years = "–".join(str(y) for y in (project.start_year, project.end_year) if y is not None)
        table.add_row(
            name,
            result.source.lang or "",
            result.source.layout or "",
            project.project_id or "",
            (project.title or "")[:70],
            f"{project.budget_usd:,.0f}" if project.budget_usd is not None else "",
            years,
            " ".join(b.iso3 if b.eligible else f"({b.iso3})" for b in project.beneficiaries),
            notes,
        )
    Console(width=None if sys.stdout.isatty() else 200).print(table)


# --- the store: ingest, reparse, check, report -----------------------------------------------------

