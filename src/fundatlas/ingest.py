"""Ingest pages into the store: inputs (files, folders, JSON lines) → ``parse_page`` → store.

``ingest`` yields one ``Outcome`` per input, in input order; the CLI only draws the progress bar
and the table. Each page is written inside its own SAVEPOINT (snapshot, source, sighting, record,
merged project, beneficiaries, findings), and pages are committed in batches: a process killed at
any moment leaves the database at the end of the last committed batch, never half a page, and
running the same ingest again finishes the job with exactly the result of an uninterrupted run
(pages already stored come back ``unchanged`` and write nothing).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from time import monotonic
from typing import Any

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from fundatlas.errors import StoreError
from fundatlas.files import PAGE_SUFFIXES
from fundatlas.pipeline import parse_page
from fundatlas.store import sqlite
from fundatlas.store.database import writing
from fundatlas.store.repository import find_source, save_page, utcnow

#: Inputs larger than this are refused unread (``--max-bytes``); real pages are under 1 MB.
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: Commit after this many written pages, or after ``DEFAULT_BATCH_SECONDS``, whichever comes first.
ANALYZE_AFTER_PAGES = 5000  # a big ingest refreshes SQLite's planner statistics at its end
DEFAULT_BATCH_PAGES = 200
DEFAULT_BATCH_SECONDS = 1.0
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})


class Status(StrEnum):
    STORED = "stored"
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"
    NOT_PROJECT = "not a project"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class PageInput:
    """One page to ingest: ``name`` as the user gave it, ``locator`` as the store files it."""

    name: str
    locator: str  # the file's absolute path, or the page's URL
    kind: str  # "path" | "url"
    data: bytes | None
    problem: str | None = None  # why it was refused before parsing (too large, unreadable, bad JSON)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one input."""

    input: str
    status: Status
    reason: str | None = None
    sha256: str | None = None
    lang: str | None = None
    project: str | None = None  # the project's key in the store

    def to_dict(self) -> dict[str, Any]:
        return {"input": self.input, "status": str(self.status), "reason": self.reason, "sha256": self.sha256,
                "lang": self.lang, "project": self.project}


# --- inputs --------------------------------------------------------------------------------------


def _expand(paths: Sequence[Path]) -> Iterator[Path]:
    suffixes = PAGE_SUFFIXES | JSONL_SUFFIXES
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)
        else:
            yield path


def _is_jsonl(path: Path) -> bool:
    return path.suffix.lower() in JSONL_SUFFIXES


def count_inputs(paths: Sequence[Path]) -> int:
    """How many inputs ``read_inputs`` will yield (a JSON-lines file counts its non-blank lines)."""
    total = 0
    for path in _expand(paths):
        if _is_jsonl(path) and path.is_file():
            try:
                with path.open("rb") as lines:
                    total += sum(1 for line in lines if line.strip())
            except OSError:
                total += 1
        else:
            total += 1
    return total


def _refused(name: str, locator: str, kind: str, problem: str) -> PageInput:
    return PageInput(name, locator, kind, None, problem)


def _read_file(path: Path, max_bytes: int) -> PageInput:
    name, locator = str(path), str(path.resolve())
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return _refused(name, locator, "path", f"too large: {size:,} bytes (the limit is {max_bytes:,})")
        return PageInput(name, locator, "path", path.read_bytes())
    except OSError as exc:
        return _refused(name, locator, "path", f"cannot be read ({exc.strerror or exc})")


def _json_line(path: Path, number: int, line: bytes, max_bytes: int) -> PageInput:
    name = f"{path}:{number}"
    locator = f"{path.resolve()}:{number}"
    if len(line) > max_bytes:
        return _refused(name, locator, "url", f"too large: {len(line):,} bytes (the limit is {max_bytes:,})")
    try:
        item = json.loads(line)
    except ValueError as exc:
        return _refused(name, locator, "url", f"not a JSON object ({exc})")
    if not isinstance(item, dict):
        return _refused(name, locator, "url", "not a JSON object with url and text or html")
    url, body = item.get("url"), item.get("html", item.get("text"))
    if not isinstance(url, str) or not url.strip():
        return _refused(name, locator, "url", "no url")
    if not isinstance(body, str):
        return _refused(name, url.strip(), "url", "no text or html")
    return PageInput(name, url.strip(), "url", body.encode("utf-8", "surrogatepass"))


def _read_jsonl(path: Path, max_bytes: int) -> Iterator[PageInput]:
    try:
        with path.open("rb") as lines:
            for number, line in enumerate(lines, start=1):
                if line.strip():
                    yield _json_line(path, number, line, max_bytes)
    except OSError as exc:
        yield _refused(str(path), str(path.resolve()), "path", f"cannot be read ({exc.strerror or exc})")


def read_inputs(paths: Sequence[Path], *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[PageInput]:
    """The pages behind ``paths``: files, folders (recursively, sorted) and JSON-lines files of
    ``{"url": ..., "text" | "html": ...}``; read one at a time, never raising."""
    for path in _expand(paths):
        if _is_jsonl(path) and path.is_file():
            yield from _read_jsonl(path, max_bytes)
        else:
            yield _read_file(path, max_bytes)


# --- ingest --------------------------------------------------------------------------------------


def _rejected(item: PageInput, reason: str, sha256: str | None = None) -> Outcome:
    return Outcome(item.name, Status.REJECTED, reason, sha256)


def ingest_one(connection: Connection, item: PageInput, now: datetime) -> tuple[Outcome, bool]:
    """Ingest one input inside the caller's transaction; returns the outcome and whether it wrote."""
    if item.problem is not None or item.data is None:
        return _rejected(item, item.problem or "no data"), False
    data = item.data
    if not data.strip():
        return _rejected(item, "empty"), False
    sha256 = hashlib.sha256(data).hexdigest()
    known = find_source(connection, item.locator)
    if known is not None and known.latest_sha256 == sha256:
        return Outcome(item.name, Status.UNCHANGED, None, sha256), False
    is_url = item.kind == "url"
    result = parse_page(data, path=None if is_url else item.locator, url=item.locator if is_url else None)
    lang = result.source.lang
    if result.errors:
        return _rejected(item, "; ".join(result.errors), sha256), False
    if not result.is_project and "the page is empty" in result.warnings:
        return _rejected(item, "empty (no text)", sha256), False
    try:
        with connection.begin_nested():
            saved = save_page(connection, locator=item.locator, kind=item.kind, data=data, result=result, now=now,
                              known=known)
    except SQLAlchemyError as exc:
        return _rejected(item, f"not stored: {type(exc).__name__}: {exc}", sha256), False
    except Exception as exc:  # a bug must cost one page, not the run (the page's SAVEPOINT is rolled back)
        return _rejected(item, f"not stored: internal error: {type(exc).__name__}: {exc}", sha256), False
    if saved.duplicate_of is not None:
        return Outcome(item.name, Status.DUPLICATE, f"same bytes as {saved.duplicate_of}", sha256, lang,
                       saved.project_key), True
    if not result.is_project:
        reason = "kept as a snapshot"
        if saved.previous_project_key is not None:
            reason += f"; this source showed {saved.previous_project_key} before (kept in its history)"
        return Outcome(item.name, Status.NOT_PROJECT, reason, sha256, lang), True
    reason = "new" if saved.record_version == 1 else f"changed: record version {saved.record_version}"
    return Outcome(item.name, Status.STORED, reason, sha256, lang, saved.project_key), True


def ingest(
    engine: Engine,
    inputs: Iterable[PageInput],
    *,
    batch_pages: int = DEFAULT_BATCH_PAGES,
    batch_seconds: float = DEFAULT_BATCH_SECONDS,
    clock: Callable[[], datetime] = utcnow,
) -> Generator[Outcome, None, None]:
    """Ingest ``inputs`` into the store behind ``engine``, yielding one outcome per input.

    Pages are committed every ``batch_pages`` written pages or ``batch_seconds`` seconds, and
    when the iteration ends for any reason (also when the caller stops early or is interrupted):
    only a killed process loses its last batch, which the next run redoes.
    """
    with engine.connect() as connection:
        writing(connection)
        transaction = connection.begin()
        pending, started, written = 0, monotonic(), 0
        try:
            for item in inputs:
                outcome, wrote = ingest_one(connection, item, clock())
                pending += wrote
                written += wrote
                if pending and (pending >= batch_pages or monotonic() - started >= batch_seconds):
                    transaction.commit()
                    transaction = connection.begin()
                    pending, started = 0, monotonic()
                yield outcome
        finally:
            if transaction.is_active:
                try:
                    transaction.commit()
                except SQLAlchemyError as exc:
                    raise StoreError(f"{engine.url}: the last pages could not be committed ({exc})") from exc
        if written >= ANALYZE_AFTER_PAGES and sqlite.is_sqlite(engine.url.render_as_string()):
            with connection.begin():
                sqlite.analyze(connection)
