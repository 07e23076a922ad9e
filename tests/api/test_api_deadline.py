"""The statement time limit: a runaway query is stopped and answered 503, the worker thread freed."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from fundatlas.api import Limits, create_app
from fundatlas.api._deadline import QueryTimeout, StatementDeadline
from fundatlas.query import Portfolio
from fundatlas.store import open_store

RUNAWAY = text("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) "
               "SELECT count(*) FROM c")


def test_a_statement_past_the_deadline_is_stopped(demo_db: str) -> None:
    engine = open_store(demo_db)
    deadline = StatementDeadline(engine, 0.2)

    def runaway() -> object:
        with engine.connect() as connection:
            return connection.execute(RUNAWAY).scalar()

    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="limit of 0.2 s"):
        deadline.run(runaway)
    assert time.monotonic() - started < 5
    with engine.connect() as connection:  # the same pooled connection, outside any request: no limit
        assert connection.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()


def test_the_api_answers_503_with_a_message(demo_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(demo_db, web=False, limits=Limits(statement_timeout_s=0.2))
    portfolio: Portfolio = app.state.fundatlas.portfolio

    def slow_search(*_args: object) -> object:
        with portfolio.engine.connect() as connection:
            return connection.execute(RUNAWAY).scalar()

    monkeypatch.setattr(portfolio, "search", slow_search)
    with TestClient(app) as client:
        response = client.get("/api/projects", params={"q": "anything"})
        assert response.status_code == 503
        assert "longer than this server's limit of 0.2 s" in response.json()["detail"]
        assert client.get("/api/projects/CT.0985").status_code == 200
