"""The application factory: one FastAPI app over one store."""

from __future__ import annotations

import gc
import importlib
import importlib.util
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.responses import RedirectResponse

from fundatlas import __version__
from fundatlas.api import _admin, _export, routes
from fundatlas.api._cache import AnswerCache
from fundatlas.api._context import ApiContext
from fundatlas.api._deadline import StatementDeadline
from fundatlas.api._errors import install_error_handlers
from fundatlas.api._settings import Limits, Settings
from fundatlas.api._version import SqliteDataVersion, version_reader
from fundatlas.query import Portfolio
from fundatlas.store import resolve_db_url

#: The server-rendered dashboard's module: ``mount(app, portfolio)`` adds its pages when it exists.
WEB_MODULE = "fundatlas.web"

DESCRIPTION = """\
The IOM Development Fund's projects: search (French, English and Spanish), facets, statistics,
countries, the findings of the Fund's rules, and exports.

Errors are JSON: 422 `{"detail": [{"loc": ["query", "per_page"], "msg": "...", "type": "..."}]}` for a bad
parameter or body; every other error `{"detail": "message"}`. The server is read-only unless it was
started with an admin token, which enables `POST /api/ingest`.
"""


def create_app(
    db: str | None = None,
    *,
    admin_token: str | None = None,
    limits: Limits | None = None,
    portfolio: Portfolio | None = None,
    web: bool = True,
) -> FastAPI:
    """The REST API over the store at ``db`` (default: ``$FUNDATLAS_DB``, else ``sqlite:///fundatlas.db``).

    The store is opened (and migrated) now, so that a bad URL fails here rather than on the first
    request. ``admin_token`` enables ``POST /api/ingest``; ``limits`` bounds requests and the cache;
    ``portfolio`` serves an existing ``Portfolio`` instead of opening ``db``; ``web=False`` leaves the
    dashboard out (the API alone).

    The web dashboard hooks in here: when the module ``fundatlas.web`` exists, ``create_app`` calls
    ``fundatlas.web.mount(app, portfolio)`` after the API's routes are added, and that function adds the
    pages (routes, templates, static files) to the same app. Without it, ``/`` redirects to ``/docs``.
    """
    settings = Settings(db=resolve_db_url(db) if portfolio is None else db, admin_token=admin_token or None,
                        limits=limits or Limits())
    store = portfolio if portfolio is not None else Portfolio(settings.db)
    versions = version_reader(store)
    cache = AnswerCache(versions, max_bytes=settings.limits.cache_max_bytes,
                        max_entry_bytes=settings.limits.cache_max_entry_bytes, ttl=settings.limits.data_version_ttl)
    deadline = StatementDeadline(store.engine, settings.limits.statement_timeout_s)
    context = ApiContext(settings=settings, portfolio=store, cache=cache, deadline=deadline)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The objects built so far (modules, the app, the engine) live as long as the process: moving them out
        # of the collector's sight keeps full garbage collections, and so the latency tail, short.
        gc.collect()
        gc.freeze()
        yield
        if isinstance(versions, SqliteDataVersion):
            versions.close()
        if portfolio is None:
            store.engine.dispose()

    app = FastAPI(title="fundatlas", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  docs_url="/docs", redoc_url=None, openapi_url="/openapi.json")
    app.state.fundatlas = context
    install_error_handlers(app)
    app.add_middleware(_admin.IngestGuard, settings=settings)
    app.include_router(routes.router)
    app.include_router(_export.router)
    app.include_router(_admin.router)
    if not (web and mount_web(app, store)):

        @app.get("/", include_in_schema=False)
        def root() -> RedirectResponse:
            return RedirectResponse("/docs")

    return app


def mount_web(app: FastAPI, portfolio: Portfolio) -> bool:
    """Let ``fundatlas.web`` add its pages, when that module exists; True when it did."""
    if importlib.util.find_spec(WEB_MODULE) is None:
        return False
    mount = getattr(importlib.import_module(WEB_MODULE), "mount", None)
    if not callable(mount):
        return False
    mount(app, portfolio)
    return True


def app_from_env() -> FastAPI:
    """The app as ``fundatlas serve --workers N`` starts it in each worker (``uvicorn --factory``):
    the settings come from ``$FUNDATLAS_DB`` and ``$FUNDATLAS_ADMIN_TOKEN``."""
    settings = Settings.from_env()
    return create_app(settings.db, admin_token=settings.admin_token)
