"""The ``fundatlas`` command line: thin Typer commands over the library, one module per group.

``app`` is built in ``_app.py``; each module imported below registers its commands on it.
"""

from __future__ import annotations

from fundatlas.cli import crawl as _crawl  # noqa: F401  (registers `crawl`, `update`)
from fundatlas.cli import db as _db  # noqa: F401  (registers `db upgrade`, `db current`, `backup`, `restore`)
from fundatlas.cli import export as _export  # noqa: F401  (registers `export`)
from fundatlas.cli import parse as _parse  # noqa: F401  (registers `parse`)
from fundatlas.cli import search as _search  # noqa: F401  (registers `search`)
from fundatlas.cli import serve as _serve  # noqa: F401  (registers `serve`)
from fundatlas.cli import store as _store  # noqa: F401  (registers `ingest`, `reparse`, `check`, `report`)
from fundatlas.cli._app import app

__all__ = ["app"]
