"""`fundatlas crawl` and `update`: the polite crawler."""


from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.engine import Engine

from fundatlas.cli._app import DbOption, app
from fundatlas.crawl import (
    DEFAULT_ALLOWED_HOSTS,
    BadUrl,
    CrawlOutcome,
    CrawlSettings,
    Link,
    Outcome,
    crawl,
    normalize_url,
    seed_links,
    update,
    user_agent,
)
from fundatlas.crawl import politeness as defaults
from fundatlas.crawl.frontier import next_wake
from fundatlas.errors import StoreError
from fundatlas.store import open_store, resolve_db_url

_STYLE = {Outcome.NEW: "green", Outcome.CHANGED: "cyan", Outcome.UNCHANGED: "dim", Outcome.SCANNED: "blue",
          Outcome.NOT_PROJECT: "yellow", Outcome.SKIPPED: "magenta", Outcome.FAILED: "bold red"}
_FINISHED = ("done", "failed", "skipped")

AllowHostOption = Annotated[list[str] | None, typer.Option(
    "--allow-host", help=f"Also crawl this host and its subdomains (repeatable; {', '.join(DEFAULT_ALLOWED_HOSTS)} "
                         "is always allowed unless --no-default-hosts).")]
NoDefaultHostsOption = Annotated[bool, typer.Option(
    "--no-default-hosts", help="Crawl only the --allow-host hosts (e.g. a mirror), not iom.int.")]
RateOption = Annotated[float, typer.Option("--rate", min=0.001, help="Requests per second, per host.")]
ConcurrencyOption = Annotated[int, typer.Option("--concurrency", min=1, help="Requests in flight at most.")]
TimeoutOption = Annotated[float, typer.Option("--timeout", min=0.01, help="Seconds per page, all included.")]
MaxBytesOption = Annotated[int, typer.Option("--max-bytes", min=1, help="A larger body is refused: too large.")]
RetriesOption = Annotated[int, typer.Option("--retries", min=0, help="Retries on timeouts, 5xx and 429.")]
BackoffOption = Annotated[float, typer.Option("--backoff", min=0.0, help="Seconds before the first retry "
                                                                         "(doubled each time, with jitter).")]
MaxUrlsOption = Annotated[int, typer.Option("--max-urls", min=1, help="Stop adding URLs to the frontier here.")]
MaxDepthOption = Annotated[int, typer.Option("--max-depth", min=0, help="Links followed from a start URL at most.")]
ContactOption = Annotated[str | None, typer.Option(
    "--contact", help="A URL or e-mail address added to the User-Agent, so the site can reach you.")]
ReportOption = Annotated[Path | None, typer.Option("--report", help="Write every outcome to this JSON file.")]
RowsOption = Annotated[int, typer.Option("--rows", min=0, help="List at most this many URLs in the table "
                                                               "(failed ones are always listed).")]


def _settings(allow_host: list[str] | None, no_default_hosts: bool, **values: Any) -> CrawlSettings:
    hosts = tuple(dict.fromkeys([*([] if no_default_hosts else DEFAULT_ALLOWED_HOSTS),
                                 *(h.strip().lower() for h in allow_host or [] if h.strip())]))
    if not hosts:
        raise typer.BadParameter("no host left to crawl", param_hint="--allow-host")
    retries = values.pop("retries")
    contact = values.pop("contact")
    return CrawlSettings(allow_hosts=hosts, max_attempts=retries + 1, user_agent=user_agent(contact), **values)


def _read_url_file(path: Path) -> list[str]:
    """The URLs of a file, one a line; blank lines and ``#`` comments are skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise typer.BadParameter(f"{path}: {getattr(exc, 'strerror', None) or exc}", param_hint="--urls") from exc
    urls = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if text and not text.startswith("#"):
            try:
                normalize_url(text)
            except BadUrl as exc:
                raise typer.BadParameter(f"{path}:{number}: {exc}", param_hint="--urls") from exc
            urls.append(text)
    return urls


def _seeds(start_urls: Sequence[str], urls_file: Path | None) -> list[Link]:
    given = [*start_urls, *(_read_url_file(urls_file) if urls_file is not None else [])]
    try:
        return seed_links(given)
    except BadUrl as exc:
        raise typer.BadParameter(str(exc), param_hint="START_URL") from exc


def _open(db: str | None) -> Engine:
    try:
        return open_store(resolve_db_url(db))
    except StoreError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from exc


def _summary(counts: Counter[Outcome]) -> str:
    listed = ", ".join(f"{counts[kind]} {kind}" for kind in Outcome if counts[kind])
    return f"{sum(counts.values())} URL(s): {listed or 'nothing to do'}"


def outcome_table(outcomes: Sequence[CrawlOutcome], rows: int) -> Table:
    counts = Counter(outcome.outcome for outcome in outcomes)
    shown = [o for i, o in enumerate(outcomes) if i < rows or o.outcome is Outcome.FAILED]
    table = Table(title=_summary(counts), title_justify="left")
    for column in ("url", "outcome", "HTTP", "reason", "project"):
        table.add_column(column, overflow="fold")
    for outcome in shown:
        table.add_row(outcome.url, f"[{_STYLE[outcome.outcome]}]{outcome.outcome}[/]",
                      str(outcome.status) if outcome.status is not None else "", outcome.reason or "",
                      outcome.project or "")
    if len(shown) < len(outcomes):
        table.caption = f"{len(outcomes) - len(shown)} more row(s) not shown (--report FILE has every outcome)"
    return table


def _run(command: str, engine: Engine, settings: CrawlSettings, seeds: Sequence[Link], report: Path | None,
         rows: int) -> None:
    errors = Console(stderr=True)
    outcomes: list[CrawlOutcome] = []
    frontier_counts: dict[str, int] = {}
    interrupted = False
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=errors, disable=not errors.is_terminal)
    doing = {"crawl": "crawling", "update": "updating"}[command]
    task = progress.add_task(doing, total=None)

    def on_outcome(outcome: CrawlOutcome, states: dict[str, int]) -> None:
        outcomes.append(outcome)
        frontier_counts.update(states)
        progress.update(task, total=sum(states.values()), completed=sum(states[s] for s in _FINISHED),
                        description=f"{doing} {outcome.url[-60:]}")

    try:
        with progress:
            if command == "update":
                update(engine, settings, on_outcome=on_outcome)
            else:
                crawl(engine, seeds, settings, on_outcome=on_outcome)
    except KeyboardInterrupt:
        interrupted = True
        errors.print("[yellow]interrupted:[/] run the same command again to go on where it stopped")
    except StoreError as exc:
        errors.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()
    counts = Counter(outcome.outcome for outcome in outcomes)
    if report is not None:
        document = {"command": command, "db": engine.url.render_as_string(), "user_agent": settings.user_agent,
                    "interrupted": interrupted, "counts": {str(kind): counts[kind] for kind in Outcome},
                    "frontier": frontier_counts, "outcomes": [outcome.to_dict() for outcome in outcomes]}
        report.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    Console().print(outcome_table(outcomes, rows) if outcomes else _summary(counts))
    raise typer.Exit(130 if interrupted else 1 if counts[Outcome.FAILED] else 0)


def _check_report(report: Path | None) -> None:
    if report is not None and not report.parent.is_dir():
        raise typer.BadParameter(f"the folder {report.parent} does not exist", param_hint="--report")


@app.command("crawl")
def crawl_command(
    start_urls: Annotated[list[str] | None, typer.Argument(
        help="Where to start: project listings, sitemaps (.xml, .xml.gz) or project pages.", show_default=False)]
    = None,
    urls: Annotated[Path | None, typer.Option("--urls", help="A file of start URLs, one a line (# comments).")]
    = None,
    allow_host: AllowHostOption = None,
    no_default_hosts: NoDefaultHostsOption = False,
    rate: RateOption = defaults.DEFAULT_RATE,
    concurrency: ConcurrencyOption = defaults.DEFAULT_CONCURRENCY,
    db: DbOption = None,
    ingest: Annotated[bool, typer.Option("--ingest", help="Parse and store project pages as they come (always "
                                                          "on: the store keeps pages through ingest).")] = True,
    report: ReportOption = None,
    timeout: TimeoutOption = defaults.DEFAULT_TIMEOUT,
    max_bytes: MaxBytesOption = defaults.DEFAULT_MAX_BYTES,
    retries: RetriesOption = defaults.DEFAULT_MAX_ATTEMPTS - 1,
    backoff: BackoffOption = defaults.DEFAULT_BACKOFF,
    max_urls: MaxUrlsOption = defaults.DEFAULT_MAX_URLS,
    max_depth: MaxDepthOption = defaults.DEFAULT_MAX_DEPTH,
    contact: ContactOption = None,
    rows: RowsOption = 200,
) -> None:
    """Discover the Fund's project pages from START_URLs and --urls, fetch them politely and store them.

    Listings and sitemaps are read for links to project pages (and their language versions); each
    project page is stored as a snapshot and parsed into the store, as `fundatlas ingest` does. The
    frontier lives in the store: run the same command again after a crash or Ctrl-C and it goes on
    where it stopped, without fetching finished pages again (`fundatlas update` re-fetches them).
    Exit status: 0, or 1 when any URL failed, 2 for bad usage, 130 when interrupted.
    """
    _check_report(report)
    settings = _settings(allow_host, no_default_hosts, rate=rate, concurrency=concurrency, timeout=timeout,
                         max_bytes=max_bytes, retries=retries, backoff=backoff, max_urls=max_urls,
                         max_depth=max_depth, contact=contact)
    seeds = _seeds(start_urls or [], urls)
    engine = _open(db)
    if not seeds and not next_wake(engine)[0]:
        engine.dispose()
        Console(stderr=True).print("[bold red]error:[/] nothing to crawl: give START_URLs or --urls "
                                   "(`fundatlas update` fetches the known URLs again)")
        raise typer.Exit(2)
    _run("crawl", engine, settings, seeds, report, rows)


@app.command("update")
def update_command(
    allow_host: AllowHostOption = None,
    no_default_hosts: NoDefaultHostsOption = False,
    rate: RateOption = defaults.DEFAULT_RATE,
    concurrency: ConcurrencyOption = defaults.DEFAULT_CONCURRENCY,
    db: DbOption = None,
    report: ReportOption = None,
    timeout: TimeoutOption = defaults.DEFAULT_TIMEOUT,
    max_bytes: MaxBytesOption = defaults.DEFAULT_MAX_BYTES,
    retries: RetriesOption = defaults.DEFAULT_MAX_ATTEMPTS - 1,
    backoff: BackoffOption = defaults.DEFAULT_BACKOFF,
    max_urls: MaxUrlsOption = defaults.DEFAULT_MAX_URLS,
    max_depth: MaxDepthOption = defaults.DEFAULT_MAX_DEPTH,
    contact: ContactOption = None,
    rows: RowsOption = 200,
) -> None:
    """Fetch every URL the store knows again (conditional GET: an unchanged page costs a 304) and ingest
    what changed; new links found on listings and sitemaps are followed.

    Exit status: 0, or 1 when any URL failed, 2 for bad usage, 130 when interrupted.
    """
    _check_report(report)
    settings = _settings(allow_host, no_default_hosts, rate=rate, concurrency=concurrency, timeout=timeout,
                         max_bytes=max_bytes, retries=retries, backoff=backoff, max_urls=max_urls,
                         max_depth=max_depth, contact=contact)
    _run("update", _open(db), settings, (), report, rows)
