"""``fundatlas reparse``: rebuild every record from the stored snapshots, without re-reading sources.

After a parser upgrade, each source's latest snapshot is parsed again. A result that differs
from the current record becomes the source's next record version (``reason = 'reparse'``; the
old one stays in the history); then every project is rebuilt, so that changed rules also reach
the findings. Work is committed in batches of whole sources and whole projects.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, true, update
from sqlalchemy.engine import Connection, Engine

from fundatlas.pipeline import parse_page
from fundatlas.store import search
from fundatlas.store.database import writing
from fundatlas.store.projects import Change, rebuild_project
from fundatlas.store.repository import add_record, decompress, result_json, utcnow
from fundatlas.store.schema import projects, records, snapshots, sources

DEFAULT_BATCH = 500


@dataclass(frozen=True, slots=True)
class RecordChange:
    """A source whose record the current parser reads differently."""

    locator: str
    version: int  # the new record version
    project_before: str | None
    project_after: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.locator, "version": self.version, "project_before": self.project_before,
                "project_after": self.project_after}


@dataclass(slots=True)
class ReparseSummary:
    sources: int = 0
    records_changed: list[RecordChange] = field(default_factory=list)
    projects: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        return {"sources": self.sources, "records_changed": [c.to_dict() for c in self.records_changed],
                "projects": {str(k): v for k, v in sorted(self.projects.items())}}


def _chunks(ids: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _reparse_source(connection: Connection, source_id: int, now: datetime,
                    summary: ReparseSummary) -> None:
    row = connection.execute(
        select(
            records.c.id, records.c.result_json, records.c.sighting_id, records.c.project_key,
            sources.c.locator, sources.c.kind, snapshots.c.sha256, snapshots.c.content, snapshots.c.compression,
        )
        .join(sources, sources.c.id == records.c.source_id)
        .join(snapshots, snapshots.c.sha256 == sources.c.latest_sha256)
        .where(records.c.source_id == source_id, records.c.is_current == true())
    ).first()
    if row is None:
        return
    is_url = row.kind == "url"
    data = decompress(row.content, row.compression)
    result = parse_page(data, path=None if is_url else row.locator, url=row.locator if is_url else None)
    if result_json(result) == row.result_json:
        return
    connection.execute(
        update(snapshots).where(snapshots.c.sha256 == row.sha256)
        .values(lang=result.source.lang, layout=result.source.layout, encoding=result.source.encoding)
    )
    saved = add_record(connection, source_id=source_id, sighting_id=row.sighting_id, locator=row.locator,
                       result=result, reason="reparse", now=now)
    summary.records_changed.append(RecordChange(row.locator, saved.record_version, row.project_key,
                                                saved.project_key))
    summary.projects.update(str(change) for change in saved.project_changes if change is not Change.UNCHANGED)


def reparse(engine: Engine, *, batch: int = DEFAULT_BATCH, clock: Callable[[], datetime] = utcnow,
            progress: Callable[[int], None] | None = None) -> ReparseSummary:
    """Parse every source's latest snapshot again and rebuild every project; see the module doc."""
    summary = ReparseSummary()
    with engine.connect() as connection:
        writing(connection)
        with connection.begin():
            source_ids = list(connection.execute(select(sources.c.id).order_by(sources.c.id)).scalars())
        summary.sources = len(source_ids)
        for chunk in _chunks(source_ids, batch):
            with connection.begin():
                for source_id in chunk:
                    _reparse_source(connection, source_id, clock(), summary)
            if progress is not None:
                progress(len(chunk))
        with connection.begin():
            project_ids = list(connection.execute(select(projects.c.id).order_by(projects.c.id)).scalars())
        for chunk in _chunks(project_ids, batch):
            with connection.begin():
                for project_row in chunk:
                    result = rebuild_project(connection, project_row, clock())
                    if result is not Change.UNCHANGED:
                        summary.projects[str(result)] += 1
        with connection.begin():  # the search index follows the vocabulary too (type and country names)
            search.rebuild_all(connection, only_changed=True)
    return summary
