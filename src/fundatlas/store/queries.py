"""Reading the store: findings, the portfolio report, and a canonical dump for comparisons."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Float, Select, cast, distinct, func, literal, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from fundatlas.rules import RULES
from fundatlas.store.schema import (
    beneficiaries,
    findings,
    project_texts,
    projects,
    records,
    sightings,
    snapshots,
    sources,
)

#: Groupings of ``portfolio_report``: name → what projects are grouped on. The year is the
#: allocation year, else (old pages show none) the start year.
REPORT_GROUPS: dict[str, ColumnElement[Any]] = {
    "year": func.coalesce(projects.c.year, projects.c.start_year),
    "idf_region": projects.c.idf_region,
    "project_type": projects.c.project_type,
    "coverage": projects.c.coverage,
}


def list_findings(connection: Connection, *, severity: str | None = None, rule: str | None = None,
                  limit: int | None = None) -> list[dict[str, Any]]:
    """Findings with their project, filtered by severity and rule, ordered by project then rule."""
    query = (
        select(
            projects.c.key.label("project"), projects.c.project_id, projects.c.title, findings.c.rule,
            findings.c.severity, findings.c.field, findings.c.lang, findings.c.message, findings.c.snapshot_sha256,
            findings.c.span_start, findings.c.span_end, findings.c.source,
        )
        .join(projects, projects.c.id == findings.c.project)
        .order_by(projects.c.key, findings.c.rule, findings.c.id)
    )
    if severity is not None:
        query = query.where(findings.c.severity == severity)
    if rule is not None:
        query = query.where(findings.c.rule == rule)
    if limit is not None:
        query = query.limit(limit)
    return [dict(row._mapping) for row in connection.execute(query)]


def _usd_sum() -> ColumnElement[Any]:
    return func.coalesce(func.sum(cast(projects.c.budget_usd, Float)), literal(0.0))


def _grouped(connection: Connection, column: ColumnElement[Any]) -> list[dict[str, Any]]:
    query: Select[Any] = (
        select(column.label("value"), func.count(projects.c.id).label("projects"), _usd_sum().label("usd"))
        .group_by(column)
        .order_by(column)
    )
    return [{"value": r.value, "projects": int(r.projects), "usd": float(r.usd)} for r in connection.execute(query)]


def _by_country(connection: Connection) -> list[dict[str, Any]]:
    per_project = (
        select(beneficiaries.c.iso3, beneficiaries.c.project).distinct().subquery("per_project")
    )
    query = (
        select(
            per_project.c.iso3.label("value"),
            func.count(projects.c.id).label("projects"),
            _usd_sum().label("usd"),
        )
        .join(projects, projects.c.id == per_project.c.project)
        .group_by(per_project.c.iso3)
        .order_by(func.count(projects.c.id).desc(), per_project.c.iso3)
    )
    return [{"value": r.value, "projects": int(r.projects), "usd": float(r.usd)} for r in connection.execute(query)]


def _findings_by_rule(connection: Connection) -> list[dict[str, Any]]:
    query = (
        select(
            findings.c.rule, findings.c.severity, func.count(findings.c.id).label("findings"),
            func.count(distinct(findings.c.project)).label("projects"),
        )
        .group_by(findings.c.rule, findings.c.severity)
        .order_by(findings.c.rule, findings.c.severity)
    )
    out = []
    for row in connection.execute(query):
        rule = RULES.get(row.rule)
        out.append({"rule": row.rule, "severity": row.severity, "title": rule.title if rule else None,
                    "findings": int(row.findings), "projects": int(row.projects)})
    return out


def portfolio_report(connection: Connection) -> dict[str, Any]:
    """Portfolio totals: projects and USD overall and by year, IDF region, type, coverage and
    beneficiary country (a project counts in full for each of its countries); findings by rule."""
    totals = connection.execute(
        select(func.count(projects.c.id), _usd_sum(), func.count(projects.c.budget_usd))
    ).one()
    languages = connection.execute(
        select(project_texts.c.lang, func.count()).group_by(project_texts.c.lang).order_by(project_texts.c.lang)
    ).all()
    countries = connection.execute(select(func.count(distinct(beneficiaries.c.iso3)))).scalar_one()
    stored = connection.execute(select(func.count()).select_from(snapshots)).scalar_one()
    return {
        "totals": {
            "projects": int(totals[0]),
            "usd": float(totals[1]),
            "projects_with_budget": int(totals[2]),
            "countries": int(countries),
            "snapshots": int(stored),
            "sources": int(connection.execute(select(func.count()).select_from(sources)).scalar_one()),
            "findings": int(connection.execute(select(func.count()).select_from(findings)).scalar_one()),
            "texts_by_language": {lang: int(count) for lang, count in languages},
        },
        **{f"by_{name}": _grouped(connection, column) for name, column in REPORT_GROUPS.items()},
        "by_country": _by_country(connection),
        "findings_by_rule": _findings_by_rule(connection),
    }


# --- canonical dump ------------------------------------------------------------------------------

# state_sha256 hashes row ids too (each text's record id): ids are not compared, so neither is it.
_PROJECT_COLUMNS = [c for c in projects.c if c.name not in {"id", "created_at", "updated_at", "state_sha256"}]


def _rows(connection: Connection, query: Select[Any]) -> list[tuple[Any, ...]]:
    return sorted((tuple(row) for row in connection.execute(query)), key=repr)


def canonical_dump(connection: Connection, *, history: bool = False) -> dict[str, list[tuple[Any, ...]]]:
    """Projects, texts, beneficiaries and findings keyed by project key, without row ids or times
    (nor ``state_sha256``, which hashes ids): two stores that hold the same portfolio dump equal,
    whatever ids their database gave out (PostgreSQL's sequences skip the ids of rolled-back rows).
    ``history`` adds snapshots, sources, sightings (counts per source) and records (without times)."""
    key = projects.c.key
    dump: dict[str, list[tuple[Any, ...]]] = {
        "projects": _rows(connection, select(*_PROJECT_COLUMNS)),
        "project_texts": _rows(connection, select(key, *[c for c in project_texts.c if c.name not in
                                                          {"project", "record_id"}])
                               .join(projects, projects.c.id == project_texts.c.project)),
        "beneficiaries": _rows(connection, select(key, *[c for c in beneficiaries.c if c.name != "project"])
                               .join(projects, projects.c.id == beneficiaries.c.project)),
        "findings": _rows(connection, select(key, *[c for c in findings.c if c.name not in {"id", "project"}])
                          .join(projects, projects.c.id == findings.c.project)),
    }
    if history:
        dump["snapshots"] = _rows(connection, select(*[c for c in snapshots.c if c.name != "first_seen"]))
        dump["sources"] = _rows(connection, select(sources.c.locator, sources.c.kind, sources.c.latest_sha256))
        dump["sightings"] = _rows(connection, select(sources.c.locator, sightings.c.snapshot_sha256)
                                  .join(sources, sources.c.id == sightings.c.source_id))
        dump["records"] = _rows(connection, select(sources.c.locator, *_record_columns())
                                .join(sources, sources.c.id == records.c.source_id))
    return dump


def _record_columns() -> Sequence[ColumnElement[Any]]:
    skip = {"id", "source_id", "sighting_id", "project", "parsed_at"}
    return [c for c in records.c if c.name not in skip]
