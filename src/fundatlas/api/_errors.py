"""How errors are answered: always JSON, never a traceback.

* 422 (a bad parameter or body): FastAPI's own shape, ``{"detail": [{"loc": ["query", "per_page"],
  "msg": "...", "type": "..."}]}``; the query layer's ``QueryError`` is answered the same way.
* every other error: ``{"detail": "message"}`` (404 no such project or country, 401/403 admin,
  413 body too large, 503 the database is unavailable or a query ran past the time limit, 500 a bug,
  logged with its traceback here).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from sqlalchemy.exc import DBAPIError
from starlette.responses import Response

from fundatlas.api._deadline import QueryTimeout
from fundatlas.api._json import JSONBytes
from fundatlas.api._params import query_error
from fundatlas.errors import StoreError
from fundatlas.query import NotFound, QueryError

logger = logging.getLogger("fundatlas.api")


async def _query_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, QueryError)
    return await request_validation_exception_handler(request, query_error(exc))


async def _not_found(_request: Request, exc: Exception) -> Response:
    return JSONBytes({"detail": str(exc)}, status_code=404)


async def _unavailable(request: Request, exc: Exception) -> Response:
    logger.warning("%s %s: the database is unavailable: %s", request.method, request.url.path, exc)
    return JSONBytes({"detail": "the database is unavailable; try again later"}, status_code=503,
                     headers={"Retry-After": "5"})


async def _timeout(request: Request, exc: Exception) -> Response:
    logger.warning("%s %s?%s: %s", request.method, request.url.path, request.url.query, exc)
    return JSONBytes({"detail": str(exc)}, status_code=503, headers={"Retry-After": "30"})


async def _internal(request: Request, exc: Exception) -> Response:
    logger.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return JSONBytes({"detail": "internal error (logged on the server)"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(QueryError, _query_error)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(QueryTimeout, _timeout)
    app.add_exception_handler(StoreError, _unavailable)
    app.add_exception_handler(DBAPIError, _unavailable)
    app.add_exception_handler(Exception, _internal)
