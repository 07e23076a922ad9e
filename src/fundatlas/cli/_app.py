"""The Typer application every command module registers on."""

from __future__ import annotations

from typing import Annotated

import typer

from fundatlas import __version__

app = typer.Typer(
    name="fundatlas",
    help="The IOM Development Fund's project pages as a clean, validated, searchable portfolio.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="SQLAlchemy database URL (default: $FUNDATLAS_DB, else sqlite:///fundatlas.db)."),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"fundatlas {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """fundatlas: parse, store, check, search and export the Fund's project pages."""
