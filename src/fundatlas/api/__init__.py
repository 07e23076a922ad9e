"""The REST API: a FastAPI app over a store, served by ``fundatlas serve``.

    from fundatlas.api import create_app
    app = create_app("sqlite:///fundatlas.db")                 # read-only
    app = create_app(url, admin_token="s3cret")                 # + POST /api/ingest

Endpoints (all JSON; OpenAPI at ``/docs`` and ``/openapi.json``):

* ``GET /api/projects`` search: ``q``, ``idf_region``, ``project_type``, ``status``, ``coverage``,
  ``country``, ``lang`` (repeatable), ``year_from``, ``year_to``, ``budget_min``, ``budget_max``,
  ``has_findings``, ``sort``, ``page``, ``per_page`` (≤ 100) → ``{"total", "page", "per_page", "sort",
  "filters", "items"}``
* ``GET /api/projects/{ref}`` one project by row id, project ID, PRIMA ID or key (404 if none)
* ``GET /api/facets``, ``GET /api/stats?by=…``, ``GET /api/totals`` (the same filters)
* ``GET /api/countries``, ``GET /api/countries/{iso3}``
* ``GET /api/findings?severity=&rule=&limit=&offset=``, ``GET /api/rules``
* ``GET /api/export/{format}`` (the same filters; an attachment, streamed)
* ``POST /api/ingest`` (admin token only; see ``_admin.py`` for the contract)
* ``GET /api/health`` (200, or 503 when the database cannot be read)

Errors: 422 in FastAPI's shape ``{"detail": [{"loc", "msg", "type"}]}`` for bad parameters and bodies
(the query layer's ``QueryError`` included); everything else ``{"detail": "message"}`` (404 not found,
401/403 admin, 413 body too large, 503 a query past ``Limits.statement_timeout_s`` or the database
unavailable, 500 a bug, logged on the server).

The web dashboard (``fundatlas.web``), when present, is mounted on the same app by ``create_app``
through ``fundatlas.web.mount(app, portfolio)``.
"""

from __future__ import annotations

from fundatlas.api._app import WEB_MODULE, app_from_env, create_app, mount_web
from fundatlas.api._settings import ADMIN_TOKEN_ENV, Limits, Settings

__all__ = ["ADMIN_TOKEN_ENV", "WEB_MODULE", "Limits", "Settings", "app_from_env", "create_app", "mount_web"]
