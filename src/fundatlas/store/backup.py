"""Backup and restore: one portable archive of a store, written from and read into SQLite or PostgreSQL.

The archive is a gzip-compressed tar holding

* ``manifest.json``: ``{"format": "fundatlas-backup", "format_version": 1, "schema_revision",
  "fundatlas_version", "created_at", "database", "tables": [{"name", "file", "rows", "sha256",
  "columns": {column: kind}}]}``, tables in the order they can be filled (parents first);
* ``tables/<name>.jsonl``: one JSON object per row, ordered by primary key (bytewise), with
  bytes (a snapshot's compressed content) as base64, times as ISO 8601 text, booleans as
  ``true``/``false``. ``sha256`` is the file's checksum, checked on restore.

Every table of the schema is archived, ids included, except what the store derives and rebuilds
(``search_documents``, the full-text index). Two archives of the same store are identical but for
the manifest's ``created_at`` and ``database``, whichever database they were written from.

A backup reads one consistent snapshot of the store (a single read transaction; repeatable read
on PostgreSQL), so ingests may go on meanwhile. A restore goes into an empty database only: the
schema is created at the archive's revision, the rows are loaded in one transaction, then the
schema is brought to this version's newest revision and the search index is rebuilt (and, on
PostgreSQL, the planner's statistics gathered).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Boolean, Column, DateTime, Float, Integer, LargeBinary, MetaData, Table, func, inspect, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from fundatlas import __version__
from fundatlas.errors import StoreError
from fundatlas.store import postgres, search
from fundatlas.store.database import create_store_engine, current_revision, display_url, upgrade, writing
from fundatlas.store.repository import utcnow
from fundatlas.store.schema import metadata, search_documents, store_settings

FORMAT = "fundatlas-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
#: Tables the store rebuilds from the others; not archived.
DERIVED_TABLES = frozenset({search_documents.name, store_settings.name})
_BATCH_ROWS = 500
_STREAM_ROWS = 1000


@dataclass(frozen=True, slots=True)
class ArchiveSummary:
    """What a backup wrote or a restore loaded."""

    path: Path
    schema_revision: str
    rows: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"archive": str(self.path), "schema_revision": self.schema_revision, "rows": self.rows}


# --- values <-> JSON ---------------------------------------------------------------------------------


def column_kind(column: Column[Any]) -> str:
    """How a column's values are written: bytes, datetime, bool, int, float or text."""
    kinds = ((LargeBinary, "bytes"), (DateTime, "datetime"), (Boolean, "bool"), (Integer, "int"), (Float, "float"))
    return next((kind for type_, kind in kinds if isinstance(column.type, type_)), "text")


def _encode(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "datetime":
        return value.isoformat() if isinstance(value, datetime) else str(value)
    if kind == "bool":
        return bool(value)
    if kind == "float":
        return float(value)
    return value


def _decode(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "bytes":
        return base64.b64decode(value)
    if kind == "datetime":
        return datetime.fromisoformat(value)
    return value


# --- backup ----------------------------------------------------------------------------------------


def archived_tables() -> list[Table]:
    """The tables a backup holds, parents first."""
    return [table for table in metadata.sorted_tables if table.name not in DERIVED_TABLES]


def _ordered_rows(connection: Connection, table: Table) -> Iterator[Any]:
    order = [
        column.collate("C") if connection.dialect.name == "postgresql" and column_kind(column) == "text" else column
        for column in table.primary_key.columns
    ]
    result = connection.execution_options(stream_results=True, yield_per=_STREAM_ROWS).execute(
        select(table).order_by(*order)
    )
    yield from result


def _write_table(connection: Connection, table: Table, out: IO[bytes]) -> tuple[int, str]:
    kinds = {column.name: column_kind(column) for column in table.columns}
    digest = hashlib.sha256()
    count = 0
    for row in _ordered_rows(connection, table):
        line = json.dumps({name: _encode(value, kinds[name]) for name, value in row._mapping.items()},
                          ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
        digest.update(line)
        out.write(line)
        count += 1
    return count, digest.hexdigest()


def backup(engine: Engine, out: Path) -> ArchiveSummary:
    """Write the store behind ``engine`` (at the newest revision) to the archive ``out``."""
    reading = engine.connect()
    try:
        if reading.dialect.name == "postgresql":
            reading = reading.execution_options(isolation_level="REPEATABLE READ")
        with reading.begin(), tempfile.TemporaryDirectory(prefix="fundatlas-backup-") as folder:
            revision = current_revision(reading)
            if revision is None:
                raise StoreError(f"{engine.url}: not a fundatlas store (no schema revision)")
            entries: list[dict[str, Any]] = []
            for table in archived_tables():
                name = f"tables/{table.name}.jsonl"
                with open(Path(folder) / f"{table.name}.jsonl", "wb") as rows_file:
                    count, sha256 = _write_table(reading, table, rows_file)
                entries.append({"name": table.name, "file": name, "rows": count, "sha256": sha256,
                                "columns": {column.name: column_kind(column) for column in table.columns}})
            manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "schema_revision": revision,
                        "fundatlas_version": __version__, "created_at": utcnow().isoformat(timespec="seconds"),
                        "database": reading.dialect.name, "tables": entries}
            _write_archive(out, manifest, Path(folder))
    except SQLAlchemyError as exc:
        raise StoreError(f"{engine.url}: the backup could not be read ({type(exc).__name__}: {exc})") from exc
    finally:
        reading.close()
    return ArchiveSummary(out, revision, {entry["name"]: entry["rows"] for entry in entries})


def _write_archive(out: Path, manifest: Mapping[str, Any], folder: Path) -> None:
    """The tar.gz, written beside ``out`` and renamed into place (never half an archive)."""
    partial = out.with_name(out.name + ".partial")
    try:
        with tarfile.open(partial, "w:gz") as archive:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(data), 0o644
            archive.addfile(info, io.BytesIO(data))
            for entry in manifest["tables"]:
                path = folder / f"{entry['name']}.jsonl"
                info = tarfile.TarInfo(entry["file"])
                info.size, info.mode = path.stat().st_size, 0o644
                with path.open("rb") as rows_file:
                    archive.addfile(info, rows_file)
        os.replace(partial, out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise StoreError(f"{out}: the archive could not be written ({exc.strerror or exc})") from exc


# --- restore ---------------------------------------------------------------------------------------


def read_manifest(archive: tarfile.TarFile, path: Path) -> dict[str, Any]:
    try:
        member = archive.extractfile(MANIFEST)
        manifest = json.loads(member.read()) if member is not None else None
    except (KeyError, ValueError) as exc:
        raise StoreError(f"{path}: not a fundatlas backup (no readable {MANIFEST})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise StoreError(f"{path}: not a fundatlas backup")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise StoreError(f"{path}: backup format {manifest.get('format_version')} is not one this version reads "
                         f"({FORMAT_VERSION})")
    return manifest


def _row_counts(connection: Connection) -> dict[str, int]:
    """Rows of every fundatlas table that exists in the database."""
    present = set(inspect(connection).get_table_names())
    return {table.name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
            for table in metadata.sorted_tables if table.name in present}


def _load_table(connection: Connection, archive: tarfile.TarFile, entry: Mapping[str, Any], path: Path) -> int:
    table = Table(entry["name"], MetaData(), autoload_with=connection)
    kinds: dict[str, str] = entry["columns"]
    member = archive.extractfile(entry["file"])
    if member is None:
        raise StoreError(f"{path}: {entry['file']} is missing")
    digest = hashlib.sha256()
    batch: list[dict[str, Any]] = []
    count = 0
    for line in member:
        digest.update(line)
        item = json.loads(line)
        batch.append({name: _decode(value, kinds[name]) for name, value in item.items()})
        count += 1
        if len(batch) >= _BATCH_ROWS:
            connection.execute(table.insert(), batch)
            batch = []
    if batch:
        connection.execute(table.insert(), batch)
    if digest.hexdigest() != entry["sha256"] or count != entry["rows"]:
        raise StoreError(f"{path}: {entry['file']} does not match its checksum or row count (damaged archive)")
    if connection.dialect.name == "postgresql":
        postgres.reset_sequences(connection, [table])
    return count


def restore(archive_path: Path, url: str) -> ArchiveSummary:
    """Load the archive into the empty database at ``url`` (created at the archive's schema revision,
    then upgraded to the newest); raises ``StoreError`` for a database that holds anything."""
    engine = create_store_engine(url)
    try:
        with _open_archive(archive_path) as archive:
            manifest = read_manifest(archive, archive_path)
            revision = str(manifest["schema_revision"])
            _prepare_empty(engine, revision, url)
            rows: dict[str, int] = {}
            with engine.connect() as connection:
                writing(connection)
                with connection.begin():
                    for entry in manifest["tables"]:
                        rows[entry["name"]] = _load_table(connection, archive, entry, archive_path)
        upgrade(engine)
        with engine.connect() as connection:
            writing(connection)
            with connection.begin():
                search.rebuild_all(connection)
                if connection.dialect.name == "postgresql":
                    connection.exec_driver_sql("ANALYZE")  # the planner's statistics, for the new rows
    except (SQLAlchemyError, tarfile.TarError, OSError, ValueError, KeyError) as exc:
        raise StoreError(f"{archive_path}: the restore into {display_url(url)} failed "
                         f"({type(exc).__name__}: {exc})") from exc
    finally:
        engine.dispose()
    return ArchiveSummary(archive_path, revision, rows)


def _open_archive(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r:*")
    except (OSError, tarfile.TarError) as exc:
        raise StoreError(f"{path}: cannot be read as an archive ({exc})") from exc


def _prepare_empty(engine: Engine, revision: str, url: str) -> None:
    """Refuse a database that holds rows, or a schema at another revision; else create the schema
    at ``revision``."""
    with engine.connect() as connection:
        current = current_revision(connection)
        filled = {name: count for name, count in _row_counts(connection).items() if count}
    if filled:
        listed = ", ".join(f"{count} {name}" for name, count in filled.items())
        raise StoreError(f"{display_url(url)}: the database is not empty ({listed}); "
                         "restore into a new, empty database")
    if current is not None and current != revision:
        raise StoreError(f"{display_url(url)}: the database's schema is at revision {current}, "
                         f"the archive's at {revision}; "
                         "restore into a new, empty database")
    upgrade(engine, revision)
