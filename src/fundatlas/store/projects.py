"""Rebuilding one ``projects`` row (with its texts, beneficiaries and findings) from its current records.

A project is whatever its current records say: the newest record per language is merged
(``merge.py``), the Fund's rules are run on every language version and across them, and the row
is rewritten only when that result changed (its ``state_sha256`` differs), with ``version`` + 1.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, true, update
from sqlalchemy.engine import Connection

from fundatlas.model import Finding, Project
from fundatlas.rules import check, check_versions, identity_finding
from fundatlas.store import search
from fundatlas.store.merge import TEXT_FIELDS, Identity, clean_id, identity_of, merge, project_from_dict
from fundatlas.store.schema import beneficiaries, findings, project_texts, projects, records, sources


class Change(StrEnum):
    CREATED = "created"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class ProjectState:
    """What a ``projects`` row holds before a rebuild."""

    key: str
    version: int
    state_sha256: str


@dataclass(frozen=True, slots=True)
class Member:
    """A current record of the project, with what is needed to choose between them."""

    record_id: int
    source_id: int
    sighting_id: int
    snapshot_sha256: str
    lang: str
    locator: str
    result_json: str


# Statements are built once: SQLAlchemy then only binds values.
_MEMBERS = (
    select(records.c.id, records.c.source_id, records.c.sighting_id, records.c.snapshot_sha256, records.c.lang,
           sources.c.locator, records.c.result_json)
    .join(sources, sources.c.id == records.c.source_id)
    .where(records.c.project == bindparam("row_id"), records.c.is_current == true())
)
# FOR UPDATE (nothing on SQLite, where writers take turns): the version read is the one written + 1.
_PROJECT = (
    select(projects.c.key, projects.c.version, projects.c.state_sha256)
    .where(projects.c.id == bindparam("row_id"))
    .with_for_update()
)
_PROJECT_BY_KEY = select(projects.c.id).where(projects.c.key == bindparam("key"))
_UPDATE_PROJECT = update(projects).where(projects.c.id == bindparam("row_id"))
_DELETE_PROJECT = delete(projects).where(projects.c.id == bindparam("row_id"))
_DELETE_CHILDREN = tuple(delete(t).where(t.c.project == bindparam("row_id"))
                         for t in (findings, beneficiaries, project_texts))
_MOVE_MEMBERS = (
    update(records)
    .where(records.c.project == bindparam("row_id"), records.c.is_current == true())
    .values(project=bindparam("other"))
)
_INSERTS = {table.name: insert(table) for table in (project_texts, beneficiaries, findings)}
_FORGET_PROJECT = update(records).where(records.c.project == bindparam("row_id")).values(project=None)


def _members(connection: Connection, project_row: int) -> list[Member]:
    rows = connection.execute(_MEMBERS, {"row_id": project_row}).all()
    return [Member(r[0], r[1], r[2], r[3], r[4] or "", r[5], r[6]) for r in rows]


def choose_per_language(members: Sequence[Member]) -> dict[str, Member]:
    """The record each language is read from: the source that changed last wins; a source that
    shows the very same bytes as an older one (a duplicate file) does not displace it."""
    by_lang: dict[str, list[Member]] = defaultdict(list)
    for member in members:
        by_lang[member.lang].append(member)
    chosen: dict[str, Member] = {}
    for lang, candidates in by_lang.items():
        newest = max(candidates, key=lambda m: (m.sighting_id, m.record_id))
        same_bytes = [m for m in candidates if m.snapshot_sha256 == newest.snapshot_sha256]
        chosen[lang] = min(same_bytes, key=lambda m: (m.source_id, m.record_id))
    return chosen


def _findings(versions: dict[str, Project], chosen: dict[str, Member], merged: Project,
              identity: Identity) -> list[tuple[Finding, str | None]]:
    out: list[tuple[Finding, str | None]] = []
    for lang, version in versions.items():
        out.extend((finding, chosen[lang].snapshot_sha256) for finding in check(version, lang or None))
    if len(versions) > 1:
        out.extend((finding, None) for finding in check_versions(versions))
    fallback = identity_finding(merged, identity.kind)
    if fallback is not None:
        out.append((fallback, None))
    return out


def _finding_row(project_row: int, finding: Finding, snapshot_sha256: str | None) -> dict[str, Any]:
    span = finding.span if snapshot_sha256 is not None else None
    return {
        "project": project_row,
        "rule": finding.rule,
        "severity": finding.severity,
        "field": finding.field,
        "message": finding.message,
        "lang": finding.lang,
        "snapshot_sha256": snapshot_sha256,
        "span_start": span.start if span is not None else None,
        "span_end": span.end if span is not None else None,
        "source": finding.source,
    }


def _delete_children(connection: Connection, project_row: int) -> None:
    for statement in _DELETE_CHILDREN:
        connection.execute(statement, {"row_id": project_row})


def _remove(connection: Connection, project_row: int) -> None:
    _delete_children(connection, project_row)
    search.remove_documents(connection, project_row)
    connection.execute(_FORGET_PROJECT, {"row_id": project_row})
    connection.execute(_DELETE_PROJECT, {"row_id": project_row})


def rebuild_project(connection: Connection, project_row: int, now: datetime, *,
                    known: ProjectState | None = None) -> Change:
    """Rewrite ``projects`` row ``project_row`` from its current records (or remove it: none left).

    ``known`` is the row's state when the caller has it (a project it just created)."""
    row = known
    if row is None:
        stored = connection.execute(_PROJECT, {"row_id": project_row}).first()
        if stored is None:
            return Change.UNCHANGED
        row = ProjectState(str(stored.key), int(stored.version), str(stored.state_sha256))
    members = _members(connection, project_row)
    if not members:
        _remove(connection, project_row)
        return Change.REMOVED
    chosen = choose_per_language(members)
    versions = {lang: project_from_dict(json.loads(m.result_json)["project"]) for lang, m in chosen.items()}
    merged = merge(versions)
    merged_project = merged.as_project()
    identity = identity_of(merged_project, locator=min(m.locator for m in members))
    if identity.key != row.key:
        other = connection.execute(_PROJECT_BY_KEY, {"key": identity.key}).scalar()
        if other is not None:  # the record now belongs with a project filed under that key
            connection.execute(_MOVE_MEMBERS, {"row_id": project_row, "other": other})
            _remove(connection, project_row)
            rebuild_project(connection, other, now)
            return Change.REMOVED

    langs = list(merged.languages)
    texts = [
        {"project": project_row, "lang": lang, **{name: getattr(versions[lang], name) for name in TEXT_FIELDS},
         "url": chosen[lang].locator, "snapshot_sha256": chosen[lang].snapshot_sha256,
         "record_id": chosen[lang].record_id}
        for lang in langs
    ]
    listed = [
        {"project": project_row, "position": position, "iso3": b.iso3, "name": b.name, "eligible": b.eligible,
         "lang": merged.beneficiaries_lang or None}
        for position, b in enumerate(merged.beneficiaries)
    ]
    found = [_finding_row(project_row, finding, sha)
             for finding, sha in _findings(versions, chosen, merged_project, identity)]
    values: dict[str, Any] = {name: merged.fields[name] for name in merged.fields}
    values["project_id"] = clean_id(values["project_id"])
    values["prima_id"] = clean_id(values["prima_id"])
    values.update(key=identity.key, key_kind=identity.kind, title=merged.title, languages=",".join(langs))
    state = json.dumps([values, texts, listed, found], sort_keys=True, ensure_ascii=False, default=str)
    state_sha256 = hashlib.sha256(state.encode("utf-8")).hexdigest()
    if state_sha256 == row.state_sha256:
        return Change.UNCHANGED

    connection.execute(
        _UPDATE_PROJECT,
        {**values, "row_id": project_row, "version": row.version + 1, "state_sha256": state_sha256, "updated_at": now},
    )
    if row.version > 0:  # a new project has nothing to replace
        _delete_children(connection, project_row)
    for table, rows in ((project_texts, texts), (beneficiaries, listed), (findings, found)):
        if rows:
            connection.execute(_INSERTS[table.name], rows)
    search.replace_document(connection, search.document_row(project_row, values, texts, listed))
    return Change.CREATED if row.version == 0 else Change.CHANGED
