"""`fundatlas db upgrade`, `db current`, `backup` and `restore`: the database itself."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError

from fundatlas.cli._app import DbOption, app
from fundatlas.errors import StoreError
from fundatlas.store import open_store, resolve_db_url, search
from fundatlas.store.backup import ArchiveSummary, backup, restore
from fundatlas.store.database import (
    SchemaStatus,
    create_store_engine,
    display_url,
    schema_status,
    upgrade,
    writing,
)

db_app = typer.Typer(help="The database's schema: its Alembic revision, and migrating it.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _fail(message: object) -> typer.Exit:
    Console(stderr=True).print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
    return typer.Exit(2)


@contextmanager
def _database_errors(url: str, doing: str) -> Iterator[None]:
    """A database error inside becomes a StoreError naming the store and what could not be done."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise StoreError(f"{display_url(url)}: cannot {doing} ({type(exc).__name__}: {exc})") from exc


def _status(url: str) -> SchemaStatus:
    engine = create_store_engine(url)
    try:
        with _database_errors(url, "read the schema revision"):
            return schema_status(engine)
    finally:
        engine.dispose()


@db_app.command("current")
def current_command(db: DbOption = None) -> None:
    """Print the database's schema revision and whether it is the newest this version knows (head).

    Exit status: 0 at head, 1 behind it (run `fundatlas db upgrade`), 2 when the database cannot be read.
    """
    try:
        status = _status(resolve_db_url(db))
    except StoreError as exc:
        raise _fail(exc) from exc
    if status.is_head:
        typer.echo(f"{status.current} (head)")
        return
    typer.echo(f"{status.current or 'none (not a fundatlas store yet)'} (head is {status.head}: "
               "run `fundatlas db upgrade`)")
    raise typer.Exit(1)


@db_app.command("upgrade")
def upgrade_command(db: DbOption = None) -> None:
    """Create the schema, or migrate it to the newest revision (every command also does this on opening)."""
    url = resolve_db_url(db)
    try:
        before = _status(url)
        engine = create_store_engine(url)
        try:
            with _database_errors(url, "migrate the store"):
                upgrade(engine)
        finally:
            engine.dispose()
    except StoreError as exc:
        raise _fail(exc) from exc
    if before.is_head:
        typer.echo(f"{before.current} (head): nothing to do")
    else:
        typer.echo(f"upgraded from {before.current or 'nothing'} to {before.head} (head)")


@db_app.command("reindex")
def reindex_command(db: DbOption = None) -> None:
    """Rewrite the full-text index from the stored projects (after editing vocab/glossary.json).

    Until then, searches look for every spelling of a glossary term instead of its concept token:
    right, but slower.
    """
    url = resolve_db_url(db)
    try:
        engine = open_store(url)
        try:
            with _database_errors(url, "rewrite the index"), engine.connect() as connection:
                writing(connection)
                with connection.begin():
                    before = search.index_glossary(connection)
                    written = search.rebuild_all(connection, only_changed=True)
        finally:
            engine.dispose()
    except StoreError as exc:
        raise _fail(exc) from exc
    state = "current" if before == search.fingerprint() else "built with another glossary or document format"
    typer.echo(f"search index was {state}; {written} project document(s) rewritten")


def _print_summary(verb: str, summary: ArchiveSummary, as_json: bool) -> None:
    if as_json:
        json.dump(summary.to_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    rows = ", ".join(f"{count} {name}" for name, count in summary.rows.items())
    typer.echo(f"{verb} {summary.path} (schema {summary.schema_revision}): {rows}")


@app.command("backup")
def backup_command(
    out: Annotated[Path, typer.Argument(help="The archive to write (a .tar.gz).")],
    db: DbOption = None,
    output_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Write the whole store (snapshots, records, projects, findings, schema revision) to one portable archive.

    The archive restores into SQLite or PostgreSQL (`fundatlas restore`); ingests may go on meanwhile.
    """
    try:
        engine = open_store(resolve_db_url(db))
        try:
            summary = backup(engine, out)
        finally:
            engine.dispose()
    except StoreError as exc:
        raise _fail(exc) from exc
    _print_summary("wrote", summary, output_json)


@app.command("restore")
def restore_command(
    archive: Annotated[Path, typer.Argument(help="An archive written by `fundatlas backup`.")],
    db: DbOption = None,
    output_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Load a backup into an empty database (SQLite or PostgreSQL), then rebuild the search index.

    A database that already holds anything is refused. Exit status: 0, or 2 on any error.
    """
    try:
        summary = restore(archive, resolve_db_url(db))
    except StoreError as exc:
        raise _fail(exc) from exc
    _print_summary("restored", summary, output_json)
