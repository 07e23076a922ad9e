"""What every endpoint reaches through ``request.app.state``: the settings, the portfolio and the cache."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from fundatlas.api._cache import AnswerCache
from fundatlas.api._deadline import StatementDeadline
from fundatlas.api._json import JSONBytes, dumps
from fundatlas.api._settings import Settings
from fundatlas.query import Portfolio


@dataclass
class ApiContext:
    settings: Settings
    portfolio: Portfolio
    cache: AnswerCache
    deadline: StatementDeadline
    #: One ingest at a time per process (SQLite takes one writer anyway; this keeps threads from queuing on it).
    ingest_lock: threading.Lock = field(default_factory=threading.Lock)


def get_context(request: Request) -> ApiContext:
    context: ApiContext = request.app.state.fundatlas
    return context


Context = Annotated[ApiContext, Depends(get_context)]


async def cached_json(context: ApiContext, key: str, compute: Any) -> JSONBytes:
    """The JSON of ``compute()`` (a blocking call, run in the thread pool), from the cache when it has it."""
    cache = context.cache
    if cache.claim_refresh():
        await run_in_threadpool(cache.refresh)
    body = cache.get(key)
    if body is None:
        version = cache.version

        def render() -> bytes:
            return dumps(context.deadline.run(compute))

        body = await run_in_threadpool(render)
        cache.put(key, version, body)
    return JSONBytes(body)
