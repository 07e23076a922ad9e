"""`fundatlas search`: the portfolio's search from the command line, over ``Portfolio.search``."""

from __future__ import annotations

import html
import json
import re
import sys
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from fundatlas.cli._app import DbOption, app
from fundatlas.errors import StoreError
from fundatlas.query import SORTS, Page, Portfolio, QueryError, SearchFilters
from fundatlas.store import resolve_db_url

_MARK = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)


class SearchFormat(StrEnum):
    table = "table"
    json = "json"


def snippet_text(snippet: str | None) -> Text:
    """A search snippet (HTML-escaped, matches in ``<mark>``) as Rich text with the matches in bold."""
    text = Text()
    if not snippet:
        return text
    position = 0
    for match in _MARK.finditer(snippet):
        text.append(html.unescape(snippet[position : match.start()]))
        text.append(html.unescape(match.group(1)), style="bold yellow")
        position = match.end()
    text.append(html.unescape(snippet[position:]))
    return text


def results_table(result: dict[str, Any]) -> Table:
    page, per_page, total = result["page"], result["per_page"], result["total"]
    first = (page - 1) * per_page + 1
    shown = f"{first}–{first + len(result['items']) - 1} of {total:,}" if result["items"] else f"none of {total:,}"
    table = Table(title=f"{shown} project(s), sorted by {result['sort']}", title_justify="left")
    table.add_column("project", no_wrap=True)
    table.add_column("year", no_wrap=True)
    for column in ("region", "type"):
        table.add_column(column, no_wrap=True, overflow="ellipsis", max_width=14)
    table.add_column("USD", justify="right", no_wrap=True)
    table.add_column("countries", max_width=16)
    table.add_column("title", ratio=1, min_width=24, overflow="fold")
    for item in result["items"]:
        title = Text(item["title"] or "", style="bold")
        if item.get("snippet"):
            title.append("\n")
            title.append_text(snippet_text(item["snippet"]))
        year = item["year"] if item["year"] is not None else item["start_year"]
        budget = f"{item['budget_usd']:,.0f}" if item["budget_usd"] is not None else ""
        reference = item["project_id"] or item["prima_id"] or str(item["id"])
        table.add_row(reference, str(year or ""), item["idf_region"] or "", item["project_type"] or "", budget,
                      _countries(item["countries"]), title)
    return table


def _countries(codes: list[str], shown: int = 4) -> str:
    return " ".join(codes[:shown]) + (f" +{len(codes) - shown}" if len(codes) > shown else "")


@app.command("search")
def search_command(
    query: Annotated[str | None, typer.Argument(help='Words (all required), "a phrase", word*, -word, a OR b; '
                                                     "in French, English or Spanish.")] = None,
    db: DbOption = None,
    idf_region: Annotated[list[str] | None, typer.Option("--idf-region", help="IDF region code (repeatable).")]
    = None,
    project_type: Annotated[list[str] | None, typer.Option("--project-type", help="Project type code (repeatable).")]
    = None,
    status: Annotated[list[str] | None, typer.Option("--status", help="active or completed.")] = None,
    coverage: Annotated[list[str] | None, typer.Option("--coverage", help="national, regional, global, "
                                                                          "interregional.")] = None,
    country: Annotated[list[str] | None, typer.Option("--country", help="Beneficiary ISO3 code (repeatable).")]
    = None,
    year_from: Annotated[int | None, typer.Option("--year-from")] = None,
    year_to: Annotated[int | None, typer.Option("--year-to")] = None,
    budget_min: Annotated[float | None, typer.Option("--budget-min", help="USD")] = None,
    budget_max: Annotated[float | None, typer.Option("--budget-max", help="USD")] = None,
    has_findings: Annotated[str | None, typer.Option("--has-findings", help="any, none, error, warning or info.")]
    = None,
    lang: Annotated[list[str] | None, typer.Option("--lang", help="Projects with a page in fr, en or es.")] = None,
    sort: Annotated[str, typer.Option("--sort", help=f"One of {', '.join(SORTS)}.")] = "relevance",
    page: Annotated[int, typer.Option("--page", min=1)] = 1,
    per_page: Annotated[int, typer.Option("--per-page", min=1)] = 20,
    output_format: Annotated[SearchFormat, typer.Option("--format", "-f")] = SearchFormat.table,
) -> None:
    """Search the stored projects: full text across languages, filters, sort orders and pages.

    Exit status: 0, or 2 for a bad query or filter or a store that cannot be opened.
    """
    errors = Console(stderr=True)
    try:
        filters = SearchFilters(q=query, idf_region=tuple(idf_region or ()), project_type=tuple(project_type or ()),
                                status=tuple(status or ()), coverage=tuple(coverage or ()),
                                country=tuple(country or ()), year_from=year_from, year_to=year_to,
                                budget_min=budget_min, budget_max=budget_max, has_findings=has_findings,
                                lang=tuple(lang or ()))
        portfolio = Portfolio(resolve_db_url(db))
        try:
            result = portfolio.search(filters, Page(sort=sort, page=page, per_page=per_page))
        finally:
            portfolio.engine.dispose()
    except (QueryError, StoreError) as exc:
        errors.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    if output_format is SearchFormat.json:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        Console().print(results_table(result))
