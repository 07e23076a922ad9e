"""`fundatlas ingest`, `reparse`, `check` and `report`: the store."""


from __future__ import annotations

import json
import sys
from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy.engine import Engine

from fundatlas.cli._app import DbOption, app
from fundatlas.errors import StoreError
from fundatlas.ingest import DEFAULT_BATCH_PAGES, DEFAULT_MAX_BYTES, Outcome, Status, count_inputs, read_inputs
from fundatlas.ingest import ingest as ingest_inputs
from fundatlas.render import findings_table, outcome_summary, outcome_table, print_report, reparse_table
from fundatlas.reparse import reparse
from fundatlas.rules import RULES
from fundatlas.store import open_store, resolve_db_url
from fundatlas.store.queries import list_findings, portfolio_report


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


class Severity(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"


def _open_store(db: str | None) -> Engine:
    try:
        return open_store(resolve_db_url(db))
    except StoreError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from exc


def _print_json(value: object) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


@app.command("ingest")
def ingest_command(
    paths: Annotated[list[Path], typer.Argument(help="Page files, folders of them, or JSON-lines files of "
                                                     '{"url": ..., "text" | "html": ...}.')],
    db: DbOption = None,
    report: Annotated[Path | None, typer.Option("--report", help="Write every outcome to this JSON file.")] = None,
    max_bytes: Annotated[int, typer.Option("--max-bytes", min=1, help="Refuse inputs larger than this.")]
    = DEFAULT_MAX_BYTES,
    batch: Annotated[int, typer.Option("--batch", min=1, help="Commit after this many written pages.")]
    = DEFAULT_BATCH_PAGES,
    rows: Annotated[int, typer.Option("--rows", min=0, help="List at most this many inputs in the table "
                                                            "(rejected ones are always listed).")] = 200,
) -> None:
    """Store pages: keep each page's bytes, merge its project across languages, check the Fund's rules.

    Each input gets an outcome: stored, unchanged (same bytes as last time), duplicate (same bytes as
    another source), not a project (kept as a snapshot) or rejected (with the reason).
    Exit status: 0, or 1 when any input was rejected, 2 when the store cannot be opened.
    """
    errors = Console(stderr=True)
    try:
        report_file = report.open("w", encoding="utf-8") if report is not None else None
    except OSError as exc:
        errors.print(f"[bold red]error:[/] --report {report}: {exc.strerror or exc}")
        raise typer.Exit(2) from exc
    engine = _open_store(db)
    counts: Counter[Status] = Counter()
    shown: list[Outcome] = []
    omitted = 0
    try:
        if report_file is not None:
            report_file.write(f'{{"db": {json.dumps(engine.url.render_as_string())}, "outcomes": [\n')
        progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), TimeRemainingColumn(), console=errors,
                            disable=not errors.is_terminal)
        with progress:
            task = progress.add_task("ingesting", total=count_inputs(paths))
            for outcome in ingest_inputs(engine, read_inputs(paths, max_bytes=max_bytes), batch_pages=batch):
                if report_file is not None:
                    report_file.write((",\n" if sum(counts.values()) else "")
                                      + json.dumps(outcome.to_dict(), ensure_ascii=False))
                counts[outcome.status] += 1
                if len(shown) < rows or outcome.status is Status.REJECTED:
                    shown.append(outcome)
                else:
                    omitted += 1
                progress.advance(task)
        if report_file is not None:
            totals = json.dumps({str(status): counts[status] for status in Status})
            report_file.write(f'\n], "counts": {totals}}}\n')
    except StoreError as exc:
        errors.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    finally:
        if report_file is not None:
            report_file.close()
        engine.dispose()
    if shown:
        Console().print(outcome_table(shown, counts, omitted=omitted))
    else:
        Console().print(outcome_summary(counts) + (" (--report FILE lists every outcome)" if omitted else ""))
    raise typer.Exit(1 if counts[Status.REJECTED] else 0)


@app.command("reparse")
def reparse_command(
    db: DbOption = None,
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """Parse every stored snapshot again with the current parser and rebuild records, projects and findings.

    The sources are not read again. A record that reads differently gets a new version.
    """
    engine = _open_store(db)
    try:
        summary = reparse(engine).to_dict()
    finally:
        engine.dispose()
    if output_format is OutputFormat.json:
        _print_json(summary)
    else:
        Console().print(reparse_table(summary))


@app.command("check")
def check_command(
    severity: Annotated[Severity | None, typer.Option("--severity", help="Only findings of this severity.")]
    = None,
    rule: Annotated[str | None, typer.Option("--rule", help="Only findings of this rule (an id of `fundatlas "
                                                            "check --list-rules`).")] = None,
    db: DbOption = None,
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Show at most this many.")] = None,
    list_rules: Annotated[bool, typer.Option("--list-rules", help="List the rules and exit.")] = False,
) -> None:
    """List the findings of the Fund's rules stored for each project."""
    if list_rules:
        _print_rules(output_format)
        return
    if rule is not None and rule not in RULES:
        raise typer.BadParameter(f"unknown rule {rule!r}; known: {', '.join(RULES)}", param_hint="--rule")
    engine = _open_store(db)
    try:
        with engine.connect() as connection:
            chosen = severity.value if severity is not None else None
            rows = list_findings(connection, severity=chosen, rule=rule, limit=limit)
            total = len(rows) if limit is None else len(list_findings(connection, severity=chosen, rule=rule))
    finally:
        engine.dispose()
    if output_format is OutputFormat.json:
        _print_json(rows)
    else:
        Console().print(findings_table(rows, total=total))


def _print_rules(output_format: OutputFormat) -> None:
    entries = [{"id": r.id, "severity": r.severity, "title": r.title, "evidence": r.evidence, "source": r.source}
               for r in RULES.values()]
    if output_format is OutputFormat.json:
        _print_json(entries)
        return
    table = Table(title=f"{len(entries)} rule(s)", title_justify="left")
    for column in ("id", "severity", "title", "evidence", "source"):
        table.add_column(column, overflow="fold")
    for entry in entries:
        table.add_row(*(entry[c] for c in ("id", "severity", "title", "evidence", "source")))
    Console().print(table)


@app.command("report")
def report_command(
    db: DbOption = None,
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """Portfolio totals: projects and USD by year, IDF region, type, coverage and country; findings by rule."""
    engine = _open_store(db)
    try:
        with engine.connect() as connection:
            totals = portfolio_report(connection)
    finally:
        engine.dispose()
    if output_format is OutputFormat.json:
        _print_json(totals)
    else:
        print_report(Console(), totals)
