"""A time limit on the statements a request runs, so that one slow query cannot hold a worker for minutes.

On SQLite, each pooled connection gets a progress handler when it is checked out; the handler stops the
running statement (``SQLITE_INTERRUPT``) once the deadline of the request that the current thread serves
has passed. ``run`` sets that deadline around one blocking call; a thread without one (an ingest, the
data-version probe) is never interrupted. Other databases are not limited here (use the server's own
statement timeout there).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from fundatlas.errors import FundatlasError

T = TypeVar("T")
#: SQLite calls the handler every this many virtual-machine instructions (about a millisecond).
_INSTRUCTIONS = 20_000


class QueryTimeout(FundatlasError):
    """A request's query ran past the server's time limit (answered 503)."""


class StatementDeadline:
    def __init__(self, engine: Engine, limit_s: float) -> None:
        self.limit_s = limit_s
        self._local = threading.local()
        if engine.dialect.name == "sqlite" and limit_s > 0:
            event.listen(engine, "checkout", self._on_checkout)

    def _on_checkout(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        dbapi_connection.set_progress_handler(self._expired, _INSTRUCTIONS)

    def _expired(self) -> int:
        deadline: float | None = getattr(self._local, "deadline", None)
        return 1 if deadline is not None and time.monotonic() > deadline else 0

    def run(self, call: Callable[[], T]) -> T:
        """``call()`` with this thread's statements limited to ``limit_s`` seconds from now."""
        if self.limit_s <= 0:
            return call()
        self._local.deadline = time.monotonic() + self.limit_s
        try:
            return call()
        except DBAPIError as exc:
            if self._expired():
                raise QueryTimeout(f"the query took longer than this server's limit of {self.limit_s:g} s; "
                                   "narrow it with more filters, or try again later") from exc
            raise
        finally:
            self._local.deadline = None
