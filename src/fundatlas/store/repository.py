"""Writing pages into the store: snapshot, source, sighting, record, then the project rebuilt.

Every function takes a ``Connection`` inside a transaction opened by the caller, which decides
where a unit of work ends (``fundatlas.ingest`` wraps each page in a SAVEPOINT and commits in
batches); nothing here commits.

Concurrent writers: ``fundatlas ingest`` marks its connection as writing, so writers take turns
(``database.writing``); beyond that, what two writers could both add is added race-free: a
snapshot by its SHA-256 and a project by its key with ``INSERT ... ON CONFLICT DO NOTHING`` (then
read back), a project row is read ``FOR UPDATE`` before its version goes up (``projects.py``),
and on PostgreSQL a page whose statements hit a serialization failure or a deadlock is written
again from its own SAVEPOINT (``database.retrying``).
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Insert, Table, bindparam, insert, or_, select, true, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Connection, CursorResult

from fundatlas import __version__
from fundatlas.errors import StoreError
from fundatlas.model import ParseResult, Project
from fundatlas.store.database import retrying
from fundatlas.store.merge import Identity, clean_id, identity_of
from fundatlas.store.projects import Change, ProjectState, rebuild_project
from fundatlas.store.schema import projects, records, sightings, snapshots, sources

COMPRESSION = "zlib"
_ZLIB_LEVEL = 6


def utcnow() -> datetime:
    """Now, in UTC, without a zone (how the store keeps times)."""
    return datetime.now(UTC).replace(tzinfo=None)


def result_json(result: ParseResult) -> str:
    """A parse result as stored in ``records.result_json`` (the parse contract's object)."""
    return json.dumps(result.to_dict(), ensure_ascii=False, separators=(",", ":"))


def compress(data: bytes) -> bytes:
    return zlib.compress(data, _ZLIB_LEVEL)


def decompress(content: bytes, compression: str) -> bytes:
    if compression != COMPRESSION:
        raise ValueError(f"unknown compression {compression!r}")
    return zlib.decompress(content)


def _new_id(result: CursorResult[Any]) -> int:
    """The primary key of the row an INSERT just added."""
    key = result.inserted_primary_key
    if key is None:
        raise StoreError("the database did not return the new row's id")
    return int(key[0])


@dataclass(frozen=True, slots=True)
class SavedPage:
    """What storing one page did."""

    project_key: str | None
    duplicate_of: str | None  # another source already showed these very bytes
    record_version: int
    previous_project_key: str | None  # the project the source's previous record showed
    project_changes: tuple[Change, ...]


# Statements are built once: SQLAlchemy then only binds values (several times faster per page).
_SOURCE_BY_LOCATOR = select(sources.c.id, sources.c.latest_sha256).where(sources.c.locator == bindparam("locator"))
_SNAPSHOT_EXISTS = select(snapshots.c.sha256).where(snapshots.c.sha256 == bindparam("sha"))
_OTHER_SOURCE_SHOWING = (
    select(sources.c.locator)
    .where(sources.c.latest_sha256 == bindparam("sha"), sources.c.id != bindparam("source_id"))
    .order_by(sources.c.id)
    .limit(1)
)
_UPDATE_SOURCE = update(sources).where(sources.c.id == bindparam("row_id"))
_CURRENT_RECORD = select(records.c.id, records.c.version, records.c.project, records.c.project_key).where(
    records.c.source_id == bindparam("source_id"), records.c.is_current == true()
)
_UPDATE_RECORD = update(records).where(records.c.id == bindparam("row_id"))
_PROJECTS_BY_KEYS = select(projects.c.id, projects.c.key).where(
    or_(projects.c.key == bindparam("key"), projects.c.key == bindparam("other_key"))
)
_INSERT_SOURCE, _INSERT_SIGHTING, _INSERT_RECORD = insert(sources), insert(sightings), insert(records)
_PROJECTS_BY_PRIMA = select(projects.c.id).where(projects.c.prima_id == bindparam("prima")).limit(2)
_PROJECT_BY_KEY = select(projects.c.id).where(projects.c.key == bindparam("key"))


def _insert_unless_present(table: Table, unique: str) -> dict[str, Insert]:
    """Per dialect: INSERT a row unless one with the same ``unique`` value exists (then nothing,
    and no error, also when another transaction is adding it at the same time)."""
    return {
        "postgresql": postgresql.insert(table).on_conflict_do_nothing(index_elements=[unique]),
        "sqlite": sqlite_dialect.insert(table).on_conflict_do_nothing(index_elements=[unique]),
    }


_INSERT_SNAPSHOT = _insert_unless_present(snapshots, "sha256")
_INSERT_PROJECT = {name: statement.returning(projects.c.id)
                   for name, statement in _insert_unless_present(projects, "key").items()}


@dataclass(frozen=True, slots=True)
class KnownSource:
    """A source already in the store, and the bytes it showed last."""

    id: int
    latest_sha256: str


def find_source(connection: Connection, locator: str) -> KnownSource | None:
    row = connection.execute(_SOURCE_BY_LOCATOR, {"locator": locator}).first()
    return KnownSource(int(row[0]), str(row[1])) if row is not None else None


def latest_sha256(connection: Connection, locator: str) -> str | None:
    """The SHA-256 of the bytes ``locator`` showed last time, or None for a new source."""
    known = find_source(connection, locator)
    return known.latest_sha256 if known is not None else None


def resolve_project(connection: Connection, identity: Identity, project: Project,
                    now: datetime) -> tuple[int, bool]:
    """The ``projects`` row a page's project belongs to, and whether it was created (empty, version 0).

    By key first; a page with a project ID also joins a project so far known only by the same
    PRIMA ID, and a page with only a PRIMA ID joins the one project that has it.
    """
    prima_id = clean_id(project.prima_id)
    keys = [identity.key]
    if identity.kind == "project_id" and prima_id:
        keys.append(f"prima_id:{prima_id}")
    found = {str(key): int(row_id) for row_id, key in
             connection.execute(_PROJECTS_BY_KEYS, {"key": keys[0], "other_key": keys[-1]})}
    row_id = next((found[key] for key in keys if key in found), None)
    if row_id is None and identity.kind == "prima_id" and prima_id:
        rows = connection.execute(_PROJECTS_BY_PRIMA, {"prima": prima_id}).all()
        row_id = int(rows[0][0]) if len(rows) == 1 else None
    if row_id is not None:
        return row_id, False
    new_row = {"key": identity.key, "key_kind": identity.kind, "languages": "", "version": 0, "state_sha256": "",
               "created_at": now, "updated_at": now}
    statement = _INSERT_PROJECT.get(connection.dialect.name)
    if statement is None:  # another database: a plain INSERT
        return _new_id(connection.execute(insert(projects), new_row)), True
    created = connection.execute(statement, new_row).scalar()
    if created is not None:
        return int(created), True
    # Another writer filed the key since it was looked up: join its project.
    return int(connection.execute(_PROJECT_BY_KEY, {"key": identity.key}).scalar_one()), False


def add_record(connection: Connection, *, source_id: int, sighting_id: int, locator: str, result: ParseResult,
               reason: str, now: datetime, new_source: bool = False) -> SavedPage:
    """A new current record of ``source_id``; the projects it leaves and joins are rebuilt."""
    previous = None if new_source else connection.execute(_CURRENT_RECORD, {"source_id": source_id}).first()
    if previous is not None:
        connection.execute(_UPDATE_RECORD, {"row_id": previous.id, "is_current": False})
    version = (previous.version if previous is not None else 0) + 1  # the current record is the newest
    project_row: int | None = None
    identity: Identity | None = None
    created = False
    if result.is_project and result.project is not None:
        identity = identity_of(result.project, locator=locator)
        project_row, created = resolve_project(connection, identity, result.project, now)
    connection.execute(
        _INSERT_RECORD,
        {"source_id": source_id, "version": version, "is_current": True, "sighting_id": sighting_id,
         "snapshot_sha256": result.source.sha256, "lang": result.source.lang, "is_project": project_row is not None,
         "project_key": identity.key if identity is not None else None, "project": project_row,
         "parser_version": __version__, "reason": reason, "parsed_at": now, "result_json": result_json(result)},
    )
    changes = []
    if project_row is not None and identity is not None:
        changes.append(rebuild_project(connection, project_row, now,
                                       known=ProjectState(identity.key, 0, "") if created else None))
    if previous is not None and previous.project is not None and previous.project != project_row:
        changes.append(rebuild_project(connection, int(previous.project), now))
    previous_key = previous.project_key if previous is not None else None
    return SavedPage(identity.key if identity is not None else None, None, version, previous_key, tuple(changes))


def save_page(connection: Connection, *, locator: str, kind: str, data: bytes, result: ParseResult,
              now: datetime, known: KnownSource | None) -> SavedPage:
    """Store one page the source ``locator`` shows now; ``known`` is ``find_source(locator)``, which
    the caller looked up to check that the page changed."""

    def write() -> SavedPage:
        return _save_page(connection, locator=locator, kind=kind, data=data, result=result, now=now, known=known)

    if connection.dialect.name != "postgresql":
        return write()

    def write_in_savepoint() -> SavedPage:
        with connection.begin_nested():
            return write()

    return retrying(write_in_savepoint)


def _save_page(connection: Connection, *, locator: str, kind: str, data: bytes, result: ParseResult,
               now: datetime, known: KnownSource | None) -> SavedPage:
    sha256 = result.source.sha256
    duplicate_of = None
    inserted = False
    if connection.execute(_SNAPSHOT_EXISTS, {"sha": sha256}).first() is None:
        source = result.source
        added = connection.execute(
            _INSERT_SNAPSHOT.get(connection.dialect.name, insert(snapshots)),
            {"sha256": sha256, "content": compress(data), "compression": COMPRESSION, "size": len(data),
             "format": "html" if source.is_html else "text", "encoding": source.encoding, "lang": source.lang,
             "layout": source.layout, "first_seen": now},
        )
        inserted = added.rowcount != 0  # 0: another writer stored these very bytes meanwhile
    if not inserted:
        duplicate_of = connection.execute(
            _OTHER_SOURCE_SHOWING, {"sha": sha256, "source_id": known.id if known is not None else -1}
        ).scalar()
    if known is None:
        new_source = connection.execute(
            _INSERT_SOURCE,
            {"locator": locator, "kind": kind, "latest_sha256": sha256, "first_seen": now, "last_changed": now},
        )
        source_id = _new_id(new_source)
    else:
        source_id = known.id
        connection.execute(_UPDATE_SOURCE, {"row_id": source_id, "latest_sha256": sha256, "last_changed": now})
    sighting = connection.execute(
        _INSERT_SIGHTING, {"source_id": source_id, "snapshot_sha256": sha256, "seen_at": now}
    )
    saved = add_record(connection, source_id=source_id, sighting_id=_new_id(sighting),
                       locator=locator, result=result, reason="ingest", now=now, new_source=known is None)
    return SavedPage(saved.project_key, duplicate_of, saved.record_version, saved.previous_project_key,
                     saved.project_changes)
