"""The crawl frontier in the store (``crawl_urls``, ``crawl_runs``): portable SQLAlchemy Core.

Each URL moves queued → fetching → done | failed | skipped (or back to queued, with a time before
which it is not tried again, for a retry). Every move is its own committed transaction, and what
a fetched page leads to (the page stored, the links it holds queued, the URL marked done) is
committed together: a killed crawl loses at most the fetches in flight, which ``release_claims``
queues again when the next run starts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine

from fundatlas.crawl.politeness import CrawlSettings
from fundatlas.crawl.urls import Link, UrlKind, host_of
from fundatlas.store.database import writing
from fundatlas.store.schema import crawl_runs, crawl_urls

#: How many URLs one ``IN (...)`` lookup holds (well under every database's limit on parameters).
_LOOKUP_CHUNK = 500


class State(StrEnum):
    QUEUED = "queued"
    FETCHING = "fetching"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


#: States a finished URL can be in: a re-run of ``crawl`` leaves these alone, ``update`` queues them again.
FINISHED = (State.DONE, State.FAILED, State.SKIPPED)


@dataclass(frozen=True, slots=True)
class FrontierUrl:
    """A URL claimed for fetching, with what the last fetch left."""

    id: int
    url: str
    host: str
    kind: UrlKind
    depth: int
    attempts: int  # including the one now starting
    etag: str | None
    last_modified: str | None
    content_sha256: str | None


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in a writing transaction, committed when the block ends without an exception."""
    with engine.connect() as connection:
        writing(connection)
        with connection.begin():
            yield connection


def start_run(engine: Engine, command: str, settings: CrawlSettings, now: datetime) -> int:
    with write_transaction(engine) as connection:
        inserted = connection.execute(
            insert(crawl_runs).values(command=command, started_at=now, user_agent=settings.user_agent,
                                      settings_json=json.dumps(settings.to_dict(), sort_keys=True))
        )
        key = inserted.inserted_primary_key
        assert key is not None
        return int(key[0])


def end_run(engine: Engine, run_id: int, counts: Mapping[str, Any], now: datetime) -> None:
    with write_transaction(engine) as connection:
        connection.execute(update(crawl_runs).where(crawl_runs.c.id == run_id)
                           .values(finished_at=now, counts_json=json.dumps(dict(counts), sort_keys=True)))


def release_claims(engine: Engine) -> int:
    """Queue again the URLs a run left in ``fetching`` (killed or interrupted mid-fetch)."""
    with write_transaction(engine) as connection:
        done = connection.execute(update(crawl_urls).where(crawl_urls.c.state == State.FETCHING.value)
                                  .values(state=State.QUEUED.value))
        return int(done.rowcount or 0)


def _known(connection: Connection, urls: Sequence[str]) -> dict[str, str]:
    """url → state of the given URLs already in the frontier."""
    found: dict[str, str] = {}
    for start in range(0, len(urls), _LOOKUP_CHUNK):
        chunk = urls[start:start + _LOOKUP_CHUNK]
        for url, state in connection.execute(select(crawl_urls.c.url, crawl_urls.c.state)
                                             .where(crawl_urls.c.url.in_(chunk))):
            found[str(url)] = str(state)
    return found


def _size(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(crawl_urls)).scalar_one())


def _row(link: Link, depth: int, parent: str | None, now: datetime) -> dict[str, Any]:
    return {"url": link.url, "host": host_of(link.url), "kind": link.kind.value, "state": State.QUEUED.value,
            "depth": depth, "discovered_from": parent, "discovered_at": now, "attempts": 0}


def add_links(connection: Connection, links: Sequence[Link], *, depth: int, parent: str | None, now: datetime,
              max_urls: int) -> tuple[int, int]:
    """Queue the links not yet in the frontier, inside the caller's transaction; returns how many
    were added and how many were dropped because the frontier holds ``max_urls`` already."""
    known = _known(connection, [link.url for link in links])
    fresh: dict[str, Link] = {}
    for link in links:
        if link.url not in known:
            fresh.setdefault(link.url, link)
    room = max(max_urls - _size(connection), 0)
    added = list(fresh.values())[:room]
    if added:
        connection.execute(insert(crawl_urls), [_row(link, depth, parent, now) for link in added])
    return len(added), len(fresh) - len(added)


def add_seeds(engine: Engine, seeds: Sequence[Link], now: datetime, max_urls: int) -> int:
    """Queue start URLs: new ones are added, ones that failed or were skipped before are queued
    again; ones already done are left alone (``update`` fetches those again)."""
    with write_transaction(engine) as connection:
        known = _known(connection, [seed.url for seed in seeds])
        again = [url for url, state in known.items() if state in (State.FAILED.value, State.SKIPPED.value)]
        if again:
            connection.execute(update(crawl_urls).where(crawl_urls.c.url.in_(again))
                               .values(state=State.QUEUED.value, attempts=0, next_attempt_at=None))
        added, _dropped = add_links(connection, seeds, depth=0, parent=None, now=now,
                                    max_urls=max(max_urls, len(seeds)))
        return added + len(again)


def requeue_finished(engine: Engine) -> int:
    """Queue every finished URL again, for a conditional re-fetch (``fundatlas update``)."""
    with write_transaction(engine) as connection:
        done = connection.execute(update(crawl_urls).where(crawl_urls.c.state.in_([s.value for s in FINISHED]))
                                  .values(state=State.QUEUED.value, attempts=0, next_attempt_at=None))
        return int(done.rowcount or 0)


_READY = (crawl_urls.c.state == State.QUEUED.value)


def claim(engine: Engine, now: datetime) -> FrontierUrl | None:
    """The oldest queued URL that may be tried now, marked ``fetching``; None when there is none."""
    with write_transaction(engine) as connection:
        row = connection.execute(
            select(crawl_urls).where(_READY, or_(crawl_urls.c.next_attempt_at.is_(None),
                                                 crawl_urls.c.next_attempt_at <= now))
            .order_by(crawl_urls.c.id).limit(1).with_for_update(skip_locked=True)  # PostgreSQL; SQLite locks the file
        ).first()
        if row is None:
            return None
        attempts = int(row.attempts) + 1
        connection.execute(update(crawl_urls).where(crawl_urls.c.id == row.id, _READY)
                           .values(state=State.FETCHING.value, attempts=attempts))
        return FrontierUrl(int(row.id), str(row.url), str(row.host), UrlKind(row.kind), int(row.depth), attempts,
                           row.etag, row.last_modified, row.content_sha256)


def next_wake(engine: Engine) -> tuple[bool, datetime | None]:
    """Whether any URL is still queued, and the earliest time one waits for (retries)."""
    with engine.connect() as connection:
        count, earliest = connection.execute(
            select(func.count(), func.min(crawl_urls.c.next_attempt_at)).where(_READY)
        ).one()
    return bool(count), earliest


def finish(connection: Connection, row_id: int, **values: Any) -> None:
    """Record what happened to one URL, inside the caller's transaction."""
    connection.execute(update(crawl_urls).where(crawl_urls.c.id == row_id).values(**values))


def state_counts(engine: Engine) -> dict[str, int]:
    """How many URLs are in each state."""
    with engine.connect() as connection:
        rows = connection.execute(select(crawl_urls.c.state, func.count()).group_by(crawl_urls.c.state)).all()
    counts = {state.value: 0 for state in State}
    counts.update({str(state): int(count) for state, count in rows})
    return counts
