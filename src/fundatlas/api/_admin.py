"""``POST /api/ingest``: the one endpoint that writes, for the holder of the admin token.

Contract:

* The server has no admin token (the default: read-only) → **403** ``{"detail": "ingest is disabled …"}``
  for every request, whatever it carries.
* No ``Authorization: Bearer <token>`` header, or a wrong token (compared in constant time) → **401**
  with ``WWW-Authenticate: Bearer``.
* Both checks run before the body is read; a body over ``Limits.ingest_max_bytes`` (by its
  Content-Length, or as it streams in) → **413**.
* A body that is not UTF-8 → **400** (FastAPI's own answer); ill-formed JSON → 422.
* Body ``{"pages": [{"url": "https://…", "text": "…"} | {"url": …, "html": "…"}]}``, 1 to
  ``Limits.ingest_max_pages`` pages → else **422**.
* **200** ``{"counts": {"stored": n, …}, "outcomes": [{"input": url, "status", "reason", "sha256",
  "lang", "project"}, …]}``: one outcome per page, in order, exactly as ``fundatlas ingest`` reports
  them (a rejected page is an outcome, not an error). The answer cache is emptied afterwards.
"""

from __future__ import annotations

import hmac
from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fundatlas.api._context import ApiContext, Context
from fundatlas.api._json import JSONBytes
from fundatlas.api._models import ErrorMessage, IngestAnswer, IngestRequest, PageIn
from fundatlas.api._settings import Settings
from fundatlas.ingest import Outcome, PageInput, Status, ingest

INGEST_PATH = "/api/ingest"
router = APIRouter(prefix="/api")
_bearer = HTTPBearer(auto_error=False, description="the server's --admin-token")


def admin_problem(admin_token: str | None, authorization: str | None) -> HTTPException | None:
    """Why a request may not ingest (403 disabled, 401 no or wrong token), or None."""
    if not admin_token:
        return HTTPException(403, "ingest is disabled: this server is read-only (start it with --admin-token "
                                  "or $FUNDATLAS_ADMIN_TOKEN to enable POST /api/ingest)")
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return HTTPException(401, "this endpoint needs the header 'Authorization: Bearer <admin token>'",
                             headers={"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(given.strip().encode("utf-8", "surrogatepass"), admin_token.encode("utf-8")):
        return HTTPException(401, "wrong admin token", headers={"WWW-Authenticate": "Bearer"})
    return None


class IngestGuard:
    """ASGI middleware: checks the token and the body size of ``POST /api/ingest`` before the body is read."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != INGEST_PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        problem = admin_problem(self.settings.admin_token, headers.get("authorization"))
        limit = self.settings.limits.ingest_max_bytes
        length = headers.get("content-length")
        if problem is None and length is not None and (not length.isdigit() or int(length) > limit):
            problem = _too_large(limit)
        if problem is not None:
            response = JSONBytes({"detail": problem.detail}, status_code=problem.status_code, headers=problem.headers)
            await response(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _too_large(limit)  # FastAPI answers an HTTPException raised while reading the body
            return message

        await self.app(scope, limited, send)


def _too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"the request body is over the limit of {limit:,} bytes; send fewer pages at a time")


def require_admin(
    context: Context, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    header = f"{credentials.scheme} {credentials.credentials}" if credentials is not None else None
    problem = admin_problem(context.settings.admin_token, header)
    if problem is not None:
        raise problem


def _ingest(context: ApiContext, pages: list[PageIn]) -> list[Outcome]:
    inputs = [
        PageInput(page.url, page.url, "url", (page.html if page.html is not None else page.text or "")
                  .encode("utf-8", "surrogatepass"))
        for page in pages
    ]
    with context.ingest_lock:
        return list(ingest(context.portfolio.engine, inputs))


ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorMessage, "description": "The body cannot be read (not UTF-8)"},
    401: {"model": ErrorMessage, "description": "No or wrong admin token"},
    403: {"model": ErrorMessage, "description": "The server is read-only (no admin token configured)"},
    413: {"model": ErrorMessage, "description": "The body is over the size limit"},
}


@router.post("/ingest", response_model=IngestAnswer, responses=ADMIN_ERRORS, tags=["admin"],
             summary="Ingest pages (admin)", dependencies=[Depends(require_admin)])
async def ingest_pages(request_body: IngestRequest, context: Context) -> JSONBytes:
    """Parse and store pages as ``fundatlas ingest`` does; needs ``Authorization: Bearer <admin token>``."""
    limit = context.settings.limits.ingest_max_pages
    if len(request_body.pages) > limit:
        raise RequestValidationError([{"loc": ("body", "pages"), "type": "too_long", "input": None,
                                       "msg": f"at most {limit} pages per request ({len(request_body.pages)} given)"}])
    try:
        outcomes = await run_in_threadpool(_ingest, context, request_body.pages)
    finally:
        context.cache.invalidate()
    counts = Counter(str(outcome.status) for outcome in outcomes)
    return JSONBytes({"counts": {str(status): counts[str(status)] for status in Status},
                      "outcomes": [outcome.to_dict() for outcome in outcomes]})
