"""Writers take turns, readers never wait, and a deadlock is retried: the store's concurrency rules."""

from __future__ import annotations

import threading
import time
from datetime import datetime

import pytest
from pg_server import PostgresServer
from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from fundatlas.store import open_store
from fundatlas.store.database import is_retryable, retrying, writing
from fundatlas.store.schema import projects

NOW = datetime(2026, 1, 1)


def _project(key: str) -> dict[str, object]:
    return {"key": key, "key_kind": "fallback", "languages": "", "version": 1, "state_sha256": "",
            "created_at": NOW, "updated_at": NOW}


def test_a_writer_waits_for_the_other_to_commit_and_readers_do_not_wait(engine: Engine) -> None:
    second_began = threading.Event()

    def second_writer() -> None:
        with engine.connect() as connection:
            writing(connection)
            with connection.begin():
                second_began.set()
                connection.execute(insert(projects), _project("second"))

    with engine.connect() as first:
        writing(first)
        with first.begin():
            first.execute(insert(projects), _project("first"))
            thread = threading.Thread(target=second_writer)
            thread.start()
            assert not second_began.wait(0.5)  # the second writer's transaction waits for the first
            with engine.connect() as reader:  # a reader does not, and sees what is committed
                assert reader.execute(select(projects.c.key)).all() == []
        thread.join(timeout=30)
    assert second_began.is_set()
    with engine.connect() as reader:
        assert sorted(reader.execute(select(projects.c.key)).scalars()) == ["first", "second"]


def test_a_deadlock_is_recognized_and_the_transaction_run_again(postgresql_server: PostgresServer) -> None:
    """Two transactions that do not declare their writes lock two rows in opposite orders: PostgreSQL
    ends one with a deadlock error, which ``retrying`` runs again."""
    engine = open_store(postgresql_server.new_database("deadlock"))
    try:
        with engine.begin() as connection:
            connection.execute(insert(projects), [_project("a"), _project("b")])
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []
        attempts: list[str] = []

        def bump(first: str, second: str) -> None:
            with engine.begin() as connection:
                attempts.append(first)
                connection.execute(update(projects).where(projects.c.key == first)
                                   .values(version=projects.c.version + 1))
                if len(attempts) <= 2:
                    barrier.wait(timeout=10)
                connection.execute(update(projects).where(projects.c.key == second)
                                   .values(version=projects.c.version + 1))

        def run(first: str, second: str) -> None:
            try:
                retrying(lambda: bump(first, second), delay=0.2)
            except BaseException as exc:  # collected for the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=pair) for pair in (("a", "b"), ("b", "a"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        assert len(attempts) == 3  # one of the two ran again
        with engine.connect() as connection:  # both transactions counted, once each: no lost update
            assert dict(connection.execute(select(projects.c.key, projects.c.version)).all()) == {"a": 3, "b": 3}
    finally:
        engine.dispose()


def test_only_serialization_failures_and_deadlocks_are_retried(postgresql_server: PostgresServer) -> None:
    engine = open_store(postgresql_server.new_database("retry"))
    calls: list[int] = []

    def failing() -> None:
        calls.append(1)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1/0"))

    try:
        with pytest.raises(DBAPIError) as raised:
            retrying(failing)
        assert not is_retryable(raised.value) and len(calls) == 1
        with engine.connect() as connection:
            with pytest.raises(DBAPIError) as raised:
                connection.execute(text("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40001'; END $$"))
            assert is_retryable(raised.value)
        started = time.monotonic()
        calls.clear()

        def always_failing() -> None:
            calls.append(1)
            with engine.connect() as connection:
                connection.execute(text("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40P01'; END $$"))

        with pytest.raises(DBAPIError):
            retrying(always_failing, attempts=3, delay=0.01)
        assert len(calls) == 3 and time.monotonic() - started < 5
    finally:
        engine.dispose()
