"""`fundatlas serve`: the REST API (and the dashboard, when installed) over a store, with uvicorn."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import Console

from fundatlas.cli._app import DbOption, app
from fundatlas.errors import StoreError
from fundatlas.store import open_store, resolve_db_url
from fundatlas.store.database import DB_ENV, database_file

#: ``fundatlas.api.ADMIN_TOKEN_ENV``, spelled out so that the CLI does not import FastAPI until ``serve`` runs.
ADMIN_TOKEN_ENV = "FUNDATLAS_ADMIN_TOKEN"


@app.command("serve")
def serve_command(
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (0.0.0.0 for every interface).")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
    admin_token: Annotated[str | None, typer.Option(
        "--admin-token", envvar=ADMIN_TOKEN_ENV, show_default=False,
        help=f"Enable POST /api/ingest for requests with 'Authorization: Bearer TOKEN' (default: ${ADMIN_TOKEN_ENV}; "
             "without it the server is read-only).")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Worker processes (one per core).")] = 1,
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log", help="Log every request.")] = False,
) -> None:
    """Serve the REST API: /api/projects, /api/projects/{ref}, facets, stats, countries, findings, exports.

    The OpenAPI documentation is at /docs. Read-only unless --admin-token is given.
    Exit status: 2 when the store cannot be opened.
    """
    import uvicorn

    from fundatlas.api import create_app

    errors = Console(stderr=True)
    url = resolve_db_url(db)
    path = database_file(url)
    if path is not None and not path.exists() and not admin_token:
        errors.print(f"[bold red]error:[/] {url}: no store there; build one with `fundatlas ingest --db {url} PAGES` "
                     "(or give --admin-token to start empty and ingest over the API)")
        raise typer.Exit(2)
    try:
        open_store(url).dispose()  # created or migrated once here, not by each worker
    except StoreError as exc:
        errors.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    mode = "admin token set: POST /api/ingest enabled" if admin_token else "read-only"
    Console().print(f"fundatlas: serving {url} at [bold]http://{host}:{port}[/] (API docs: http://{host}:{port}/docs; "
                    f"{mode}; {workers} worker(s)); Ctrl+C stops", highlight=False, soft_wrap=True)
    options = {"host": host, "port": port, "log_level": "info", "access_log": access_log, "server_header": False}
    if workers == 1:
        uvicorn.run(create_app(url, admin_token=admin_token), **options)  # type: ignore[arg-type]
        return
    # Worker processes build their own app from the environment (uvicorn needs an import string).
    os.environ[DB_ENV] = url
    if admin_token:
        os.environ[ADMIN_TOKEN_ENV] = admin_token
    else:
        os.environ.pop(ADMIN_TOKEN_ENV, None)
    uvicorn.run("fundatlas.api:app_from_env", factory=True, workers=workers, **options)  # type: ignore[arg-type]
