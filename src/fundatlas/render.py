"""Rich tables for the store commands (``ingest``, ``reparse``, ``check``, ``report``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from fundatlas.ingest import Outcome, Status

_STATUS_STYLE = {
    Status.STORED: "green",
    Status.UNCHANGED: "dim",
    Status.DUPLICATE: "cyan",
    Status.NOT_PROJECT: "yellow",
    Status.REJECTED: "bold red",
}
_NOT_STATED = "(not stated)"


def outcome_summary(counts: Counter[Status]) -> str:
    """``"77 input(s): 67 stored, 10 not a project"``."""
    summary = ", ".join(f"{counts[status]} {status}" for status in Status if counts[status])
    return f"{sum(counts.values())} input(s): {summary or 'nothing to do'}"


def outcome_table(outcomes: Sequence[Outcome], counts: Counter[Status], *, omitted: int = 0) -> Table:
    table = Table(title=outcome_summary(counts), title_justify="left")
    for column in ("input", "outcome", "reason", "lang", "project"):
        table.add_column(column, overflow="fold")
    for outcome in outcomes:
        style = _STATUS_STYLE[outcome.status]
        table.add_row(outcome.input, f"[{style}]{outcome.status}[/]", outcome.reason or "", outcome.lang or "",
                      outcome.project or "")
    if omitted:
        table.caption = f"{omitted} more row(s) not shown (only rejected inputs are listed past the limit; " \
                        "--report FILE has every outcome)"
    return table


def findings_table(rows: Sequence[dict[str, Any]], *, total: int | None = None) -> Table:
    shown = f"{len(rows)}" if total is None or total == len(rows) else f"{len(rows)} of {total}"
    table = Table(title=f"{shown} finding(s)", title_justify="left")
    for column in ("project", "rule", "severity", "field", "lang", "message", "span"):
        table.add_column(column, overflow="fold")
    for row in rows:
        span = f"{row['span_start']}–{row['span_end']}" if row["span_start"] is not None else ""
        style = {"error": "bold red", "warning": "yellow"}.get(row["severity"], "dim")
        table.add_row(row["project"], row["rule"], f"[{style}]{row['severity']}[/]", row["field"] or "",
                      row["lang"] or "", row["message"], span)
    return table


def _usd(amount: float) -> str:
    return f"{amount:,.0f}"


def _group_table(title: str, rows: Sequence[dict[str, Any]], limit: int | None = None) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("value")
    table.add_column("projects", justify="right")
    table.add_column("USD", justify="right")
    for row in rows[:limit]:
        value = _NOT_STATED if row["value"] is None else str(row["value"])
        table.add_row(value, str(row["projects"]), _usd(row["usd"]))
    if limit is not None and len(rows) > limit:
        table.caption = f"{len(rows) - limit} more (--format json lists all)"
    return table


def print_report(console: Console, report: dict[str, Any], *, country_rows: int = 25) -> None:
    totals = report["totals"]
    languages = ", ".join(f"{lang or '?'} {count}" for lang, count in totals["texts_by_language"].items())
    console.print(
        f"[bold]{totals['projects']}[/] projects, [bold]{_usd(totals['usd'])}[/] USD "
        f"({totals['projects_with_budget']} with a budget), {totals['countries']} beneficiary countries; "
        f"texts by language: {languages or 'none'}; {totals['sources']} sources, {totals['snapshots']} snapshots, "
        f"{totals['findings']} findings"
    )
    console.print(_group_table("By year (allocation year, else start year)", report["by_year"]))
    console.print(_group_table("By IDF region", report["by_idf_region"]))
    console.print(_group_table("By project type", report["by_project_type"]))
    console.print(_group_table("By coverage", report["by_coverage"]))
    console.print(_group_table("By beneficiary country (a project counts in full for each country)",
                               report["by_country"], limit=country_rows))
    rules = Table(title="Findings by rule", title_justify="left")
    for column in ("rule", "severity", "findings", "projects", "what it checks"):
        rules.add_column(column, overflow="fold", justify="right" if column in {"findings", "projects"} else "left")
    for row in report["findings_by_rule"]:
        rules.add_row(row["rule"], row["severity"], str(row["findings"]), str(row["projects"]), row["title"] or "")
    console.print(rules)


def reparse_table(summary: dict[str, Any], *, limit: int = 200) -> Table:
    changed = summary["records_changed"]
    projects = ", ".join(f"{count} {change}" for change, count in summary["projects"].items()) or "none changed"
    table = Table(title=f"{summary['sources']} source(s) reparsed: {len(changed)} record(s) changed; "
                        f"projects: {projects}", title_justify="left")
    for column in ("source", "new version", "project before", "project after"):
        table.add_column(column, overflow="fold")
    for change in changed[:limit]:
        table.add_row(change["source"], str(change["version"]), change["project_before"] or "",
                      change["project_after"] or "")
    if len(changed) > limit:
        table.caption = f"{len(changed) - limit} more (--format json lists all)"
    return table
