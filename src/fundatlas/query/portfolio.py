"""The library's read API over a store: search, facets, statistics, one project, one country.

``Portfolio(url)`` is what the CLI, the REST API and the web pages use; it returns plain dicts
ready for JSON. Everything here is portable SQL (SQLAlchemy Core) except full-text matching,
which ``fulltext.py`` (SQLite FTS5) or ``fulltext_pg.py`` (PostgreSQL) provides, chosen by the
engine's dialect.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Select, and_, case, distinct, func, literal, not_, or_, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement

from fundatlas.errors import FundatlasError
from fundatlas.normalize.countries import country_name
from fundatlas.query.filters import FACETS, Page, SearchFilters
from fundatlas.query.fulltext_backends import for_dialect
from fundatlas.query.terms import ParsedQuery, QueryError, parse_query
from fundatlas.store.database import open_store
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

__all__ = ["NotFound", "Portfolio", "QueryError"]

SUMMARY_COLUMNS = (
    projects.c.id,
    projects.c.project_id,
    projects.c.prima_id,
    projects.c.title,
    projects.c.languages,
    projects.c.budget_usd,
    projects.c.coverage,
    projects.c.status,
    projects.c.year,
    projects.c.start_year,
    projects.c.end_year,
    projects.c.idf_region,
    projects.c.project_type,
)
STAT_DIMENSIONS = ("year", "idf_region", "project_type", "coverage", "status", "country")
_SORT_COLUMNS: dict[str, ColumnElement[Any]] = {
    "year": func.coalesce(projects.c.year, projects.c.start_year),
    "budget": projects.c.budget_usd,
    "title": projects.c.title,
    "project_id": projects.c.project_id,
}


class NotFound(FundatlasError, LookupError):
    """No such project or country in the store."""


class Portfolio:
    """Read access to one store (any SQLAlchemy URL, or an engine)."""

    def __init__(self, db: str | Engine | None = None) -> None:
        self.engine = db if isinstance(db, Engine) else open_store(db)
        self._fulltext = for_dialect(self.engine.dialect.name)

    # --- search -------------------------------------------------------------------------------

    def search(self, filters: SearchFilters | None = None, page: Page | None = None) -> dict[str, Any]:
        """``{"total": N, "items": [...], "page", "per_page", "sort"}``; items carry snippets for a query."""
        filters = filters or SearchFilters()
        page = page or Page()
        query = _parse(filters.q)
        with self.engine.connect() as connection:
            base = self._filtered(filters, query)
            total = connection.execute(select(func.count()).select_from(base.subquery())).scalar_one()
            ordered = self._ordered(base, query, page.sort)
            ids = [row[0] for row in connection.execute(ordered.limit(page.per_page).offset(page.offset))]
            items = self._summaries(connection, ids)
            if query is not None and ids:
                expression = self._fulltext.any_expression(query)
                marks = self._fulltext.snippets(connection, ids, expression) if expression else {}
                for item in items:
                    item["snippet"] = marks.get(item["id"])
        return {
            "total": total,
            "page": page.page,
            "per_page": page.per_page,
            "sort": page.sort,
            "filters": filters.to_dict(),
            "items": items,
        }

    def matching_ids(self, filters: SearchFilters | None = None, sort: str = "project_id") -> list[int]:
        """Every project id the filters select, in ``sort`` order (for exports)."""
        filters = filters or SearchFilters()
        query = _parse(filters.q)
        with self.engine.connect() as connection:
            ordered = self._ordered(self._filtered(filters, query), query, Page(sort=sort).sort)
            return [row[0] for row in connection.execute(ordered)]

    def facets(self, filters: SearchFilters | None = None) -> dict[str, list[dict[str, Any]]]:
        """For each facet, the count of projects per value under every other filter."""
        filters = filters or SearchFilters()
        out: dict[str, list[dict[str, Any]]] = {}
        with self.engine.connect() as connection:
            for facet in FACETS:
                others = filters.without(facet)
                ids = self._filtered(others, _parse(others.q)).subquery()
                out[facet] = _facet_counts(connection, facet, ids)
        return out

    def stats(self, by: str, filters: SearchFilters | None = None) -> list[dict[str, Any]]:
        """Projects and USD grouped by year, idf_region, project_type, coverage, status or country.

        For countries, ``usd`` counts each project's whole budget for every beneficiary country and
        ``usd_share`` splits it equally between them (so shares add up to the portfolio total).
        """
        if by not in STAT_DIMENSIONS:
            raise QueryError(f"by: {by!r} is not one of {', '.join(STAT_DIMENSIONS)}")
        filters = filters or SearchFilters()
        with self.engine.connect() as connection:
            ids = self._filtered(filters, _parse(filters.q)).subquery()
            if by == "country":
                return _country_stats(connection, ids)
            column = func.coalesce(projects.c.year, projects.c.start_year) if by == "year" else projects.c[by]
            rows = connection.execute(
                select(column.label("key"), func.count().label("projects"), func.sum(projects.c.budget_usd))
                .where(projects.c.id.in_(select(ids.c.id)))
                .group_by(column)
                .order_by(column)
            )
            return [{"key": key, "projects": count, "usd": float(usd or 0)} for key, count, usd in rows]

    def totals(self, filters: SearchFilters | None = None) -> dict[str, Any]:
        """Projects, USD and beneficiary countries of the selection."""
        filters = filters or SearchFilters()
        with self.engine.connect() as connection:
            ids = self._filtered(filters, _parse(filters.q)).subquery()
            count, usd = connection.execute(
                select(func.count(), func.sum(projects.c.budget_usd)).where(projects.c.id.in_(select(ids.c.id)))
            ).one()
            countries = connection.execute(
                select(func.count(distinct(beneficiaries.c.iso3))).where(beneficiaries.c.project.in_(select(ids.c.id)))
            ).scalar_one()
        return {"projects": count, "usd": float(usd or 0), "countries": countries}

    # --- one project, one country ---------------------------------------------------------------

    def project(self, ref: int | str) -> dict[str, Any]:
        """One project with every language, beneficiary, finding, source and snapshot."""
        with self.engine.connect() as connection:
            project_row = _resolve_project(connection, ref)
            return _project_detail(connection, project_row)

    def projects_detail(self, ids: Sequence[int]) -> Iterator[dict[str, Any]]:
        """Full records for many projects, in the order given (for exports)."""
        with self.engine.connect() as connection:
            for chunk_start in range(0, len(ids), 500):
                chunk = ids[chunk_start : chunk_start + 500]
                details = _details_bulk(connection, chunk)
                for pid in chunk:
                    if pid in details:
                        yield details[pid]

    def country(self, iso3: str) -> dict[str, Any]:
        """One beneficiary country: its projects and totals (raises ``NotFound``)."""
        code = iso3.upper()
        with self.engine.connect() as connection:
            ids = [
                row[0]
                for row in connection.execute(
                    select(beneficiaries.c.project).where(beneficiaries.c.iso3 == code).distinct()
                )
            ]
            if not ids:
                raise NotFound(f"no project lists the country {code}")
            items = self._summaries(connection, _sorted_by_year(connection, ids))
        eligible = [i for i in items if code in i["eligible_countries"]]
        by_year: dict[int | None, dict[str, Any]] = {}
        for item in items:
            year = item["year"] if item["year"] is not None else item["start_year"]
            slot = by_year.setdefault(year, {"year": year, "projects": 0, "usd": 0.0})
            slot["projects"] += 1
            slot["usd"] += item["budget_usd"] or 0.0
        return {
            "iso3": code,
            "names": {lang: country_name(code, lang) for lang in ("en", "fr", "es")},
            "projects": len(items),
            "projects_eligible": len(eligible),
            "usd": sum(i["budget_usd"] or 0.0 for i in items),
            "usd_share": sum((i["budget_usd"] or 0.0) / max(len(i["countries"]), 1) for i in items),
            "by_year": sorted(by_year.values(), key=lambda s: (s["year"] is None, s["year"] or 0)),
            "items": items,
        }

    def countries(self) -> list[dict[str, Any]]:
        """Every beneficiary country with its project count and USD."""
        with self.engine.connect() as connection:
            ids = select(projects.c.id).subquery()
            return _country_stats(connection, ids)

    def findings(
        self, *, severity: str | None = None, rule: str | None = None, limit: int = 1000, offset: int = 0
    ) -> dict[str, Any]:
        """Findings, newest projects first, with counts per rule and severity."""
        conditions: list[ColumnElement[bool]] = []
        if severity is not None:
            conditions.append(findings.c.severity == severity)
        if rule is not None:
            conditions.append(findings.c.rule == rule)
        where = and_(*conditions) if conditions else literal(True)
        with self.engine.connect() as connection:
            total = connection.execute(select(func.count()).select_from(findings).where(where)).scalar_one()
            rows = connection.execute(
                select(findings, projects.c.project_id, projects.c.title)
                .join(projects, projects.c.id == findings.c.project)
                .where(where)
                .order_by(findings.c.project, findings.c.id)
                .limit(limit)
                .offset(offset)
            )
            items = [dict(row._mapping) for row in rows]
            by_rule = [
                {"rule": r, "severity": s, "count": n}
                for r, s, n in connection.execute(
                    select(findings.c.rule, findings.c.severity, func.count())
                    .where(where)
                    .group_by(findings.c.rule, findings.c.severity)
                    .order_by(func.count().desc(), findings.c.rule)
                )
            ]
        return {"total": total, "items": items, "by_rule": by_rule}

    def data_version(self) -> str:
        """Changes whenever a project changes (for caches): count and latest update time."""
        with self.engine.connect() as connection:
            count, latest = connection.execute(select(func.count(), func.max(projects.c.updated_at))).one()
        return f"{count}:{latest}"

    # --- building blocks ------------------------------------------------------------------------

    def _filtered(self, filters: SearchFilters, query: ParsedQuery | None) -> Select[Any]:
        conditions: list[ColumnElement[bool]] = []
        for name in ("idf_region", "project_type", "status", "coverage"):
            values = getattr(filters, name)
            if values:
                conditions.append(projects.c[name].in_(values))
        # Related-table filters as IN (uncorrelated subqueries): SQLite runs each once, where a
        # correlated EXISTS was re-run for every project (minutes at 100,000 projects).
        if filters.country:
            conditions.append(
                projects.c.id.in_(select(beneficiaries.c.project).where(beneficiaries.c.iso3.in_(filters.country)))
            )
        year = func.coalesce(projects.c.year, projects.c.start_year)
        if filters.year_from is not None:
            conditions.append(year >= filters.year_from)
        if filters.year_to is not None:
            conditions.append(year <= filters.year_to)
        if filters.budget_min is not None:
            conditions.append(projects.c.budget_usd >= filters.budget_min)
        if filters.budget_max is not None:
            conditions.append(projects.c.budget_usd <= filters.budget_max)
        if filters.lang:
            conditions.append(
                projects.c.id.in_(select(project_texts.c.project).where(project_texts.c.lang.in_(filters.lang)))
            )
        if filters.has_findings is not None:
            flagged = select(findings.c.project)
            if filters.has_findings in ("error", "warning", "info"):
                flagged = flagged.where(findings.c.severity == filters.has_findings)
            member = projects.c.id.in_(flagged)
            conditions.append(not_(member) if filters.has_findings == "none" else member)
        if query is not None:
            for number, expression in enumerate(self._fulltext.positive_groups(query)):
                conditions.append(projects.c.id.in_(self._fulltext.matching(expression, f"match_{number}")))
            for number, expression in enumerate(self._fulltext.negative_terms(query)):
                conditions.append(projects.c.id.not_in(self._fulltext.matching(expression, f"exclude_{number}")))
        return select(projects.c.id).where(*conditions)

    def _ordered(self, base: Select[Any], query: ParsedQuery | None, sort: str) -> Select[Any]:
        if sort == "relevance":
            expression = self._fulltext.any_expression(query) if query is not None else None
            if expression is None:
                return base.order_by(_SORT_COLUMNS["year"].desc().nulls_last(), projects.c.id.desc())
            return self._fulltext.order_by_relevance(base, expression)
        column = _SORT_COLUMNS[sort.lstrip("-")]
        ordering = column.desc().nulls_last() if sort.startswith("-") else column.asc().nulls_last()
        return base.order_by(ordering, projects.c.id)

    def _summaries(self, connection: Connection, ids: Sequence[int]) -> list[dict[str, Any]]:
        if not ids:
            return []
        rows = {
            row.id: dict(row._mapping)
            for row in connection.execute(select(*SUMMARY_COLUMNS).where(projects.c.id.in_(ids)))
        }
        titles: dict[int, dict[str, str]] = {}
        for pid, lang, title in connection.execute(
            select(project_texts.c.project, project_texts.c.lang, project_texts.c.title).where(
                project_texts.c.project.in_(ids)
            )
        ):
            if title:
                titles.setdefault(pid, {})[lang] = title
        listed: dict[int, list[tuple[str, bool]]] = {}
        for pid, iso3, eligible in connection.execute(
            select(beneficiaries.c.project, beneficiaries.c.iso3, beneficiaries.c.eligible)
            .where(beneficiaries.c.project.in_(ids))
            .order_by(beneficiaries.c.project, beneficiaries.c.position)
        ):
            listed.setdefault(pid, []).append((iso3, bool(eligible)))
        counts: dict[int, dict[str, int]] = {}
        for pid, severity, count in connection.execute(
            select(findings.c.project, findings.c.severity, func.count())
            .where(findings.c.project.in_(ids))
            .group_by(findings.c.project, findings.c.severity)
        ):
            counts.setdefault(pid, {})[severity] = count
        items = []
        for pid in ids:
            row = rows.get(pid)
            if row is None:
                continue
            row["languages"] = row["languages"].split(",") if row["languages"] else []
            row["titles"] = titles.get(pid, {})
            row["countries"] = [iso3 for iso3, _ in listed.get(pid, [])]
            row["eligible_countries"] = [iso3 for iso3, ok in listed.get(pid, []) if ok]
            row["findings"] = counts.get(pid, {})
            items.append(row)
        return items


def _parse(q: str | None) -> ParsedQuery | None:
    if q is None or not q.strip():
        return None
    parsed = parse_query(q)
    return None if parsed.is_empty else parsed


def _facet_counts(connection: Connection, facet: str, ids: Any) -> list[dict[str, Any]]:
    member = projects.c.id.in_(select(ids.c.id))
    if facet == "country":
        rows = connection.execute(
            select(beneficiaries.c.iso3, func.count(distinct(beneficiaries.c.project)))
            .where(beneficiaries.c.project.in_(select(ids.c.id)))
            .group_by(beneficiaries.c.iso3)
            .order_by(func.count(distinct(beneficiaries.c.project)).desc(), beneficiaries.c.iso3)
        )
        return [{"value": iso3, "count": count} for iso3, count in rows]
    if facet == "has_findings":
        worst = (
            select(
                findings.c.project,
                func.min(
                    case((findings.c.severity == "error", 0), (findings.c.severity == "warning", 1), else_=2)
                ).label("rank"),
            )
            .group_by(findings.c.project)
            .subquery()
        )
        rows = connection.execute(
            select(worst.c.rank, func.count())
            .join(projects, projects.c.id == worst.c.project)
            .where(member)
            .group_by(worst.c.rank)
        )
        names = {0: "error", 1: "warning", 2: "info"}
        counted = {names[rank]: count for rank, count in rows}
        total = connection.execute(select(func.count()).where(member)).scalar_one()
        out = [{"value": name, "count": counted.get(name, 0)} for name in ("error", "warning", "info")]
        out.append({"value": "none", "count": total - sum(counted.values())})
        return out
    column = func.coalesce(projects.c.year, projects.c.start_year) if facet == "year" else projects.c[facet]
    rows = connection.execute(
        select(column, func.count()).where(member).group_by(column).order_by(func.count().desc(), column)
    )
    return [{"value": value, "count": count} for value, count in rows]


def _country_stats(connection: Connection, ids: Any) -> list[dict[str, Any]]:
    sizes = (
        select(beneficiaries.c.project, func.count().label("n"))
        .where(beneficiaries.c.project.in_(select(ids.c.id)))
        .group_by(beneficiaries.c.project)
        .subquery()
    )
    rows = connection.execute(
        select(
            beneficiaries.c.iso3,
            func.count(distinct(beneficiaries.c.project)),
            func.sum(projects.c.budget_usd),
            func.sum(projects.c.budget_usd / sizes.c.n),
            func.sum(case((beneficiaries.c.eligible, 1), else_=0)),
        )
        .join(projects, projects.c.id == beneficiaries.c.project)
        .join(sizes, sizes.c.project == beneficiaries.c.project)
        .group_by(beneficiaries.c.iso3)
        .order_by(beneficiaries.c.iso3)
    )
    return [
        {
            "key": iso3,
            "name": country_name(iso3, "en"),
            "projects": count,
            "projects_eligible": int(eligible or 0),
            "usd": float(usd or 0),
            "usd_share": float(share or 0),
        }
        for iso3, count, usd, share, eligible in rows
    ]


def _sorted_by_year(connection: Connection, ids: Sequence[int]) -> list[int]:
    year = func.coalesce(projects.c.year, projects.c.start_year)
    return [
        row[0]
        for row in connection.execute(
            select(projects.c.id).where(projects.c.id.in_(ids)).order_by(year.desc().nulls_last(), projects.c.id)
        )
    ]


def _resolve_project(connection: Connection, ref: int | str) -> int:
    """A project by its row id, project ID (``IS.0133``), PRIMA ID or key."""
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        found = connection.execute(select(projects.c.id).where(projects.c.id == int(ref))).scalar()
    else:
        cleaned = "".join(ref.split()).upper()
        found = connection.execute(
            select(projects.c.id)
            .where(or_(projects.c.project_id == cleaned, projects.c.prima_id == cleaned, projects.c.key == ref))
            .order_by(projects.c.id)
        ).scalar()
    if found is None:
        raise NotFound(f"no project {ref!r} in the store")
    return int(found)


def _project_detail(connection: Connection, project_row: int) -> dict[str, Any]:
    details = _details_bulk(connection, [project_row])
    if project_row not in details:
        raise NotFound(f"no project {project_row} in the store")
    return details[project_row]


def _details_bulk(connection: Connection, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for row in connection.execute(select(projects).where(projects.c.id.in_(ids))):
        item = dict(row._mapping)
        item["languages"] = item["languages"].split(",") if item["languages"] else []
        item.pop("state_sha256", None)
        item.update(texts={}, beneficiaries=[], findings=[], sources=[])
        out[row.id] = item
    if not out:
        return out
    for row in connection.execute(select(project_texts).where(project_texts.c.project.in_(ids))):
        text = dict(row._mapping)
        out[text.pop("project")]["texts"][text["lang"]] = text
    for row in connection.execute(
        select(beneficiaries).where(beneficiaries.c.project.in_(ids)).order_by(beneficiaries.c.position)
    ):
        entry = dict(row._mapping)
        out[entry.pop("project")]["beneficiaries"].append(entry)
    for row in connection.execute(select(findings).where(findings.c.project.in_(ids)).order_by(findings.c.id)):
        entry = dict(row._mapping)
        out[entry.pop("project")]["findings"].append(entry)
    history = connection.execute(
        select(
            records.c.project,
            sources.c.locator,
            sources.c.kind,
            records.c.version,
            records.c.is_current,
            records.c.lang,
            records.c.snapshot_sha256,
            sightings.c.seen_at,
            snapshots.c.size,
        )
        .join(sources, sources.c.id == records.c.source_id)
        .join(sightings, sightings.c.id == records.c.sighting_id)
        .join(snapshots, snapshots.c.sha256 == records.c.snapshot_sha256)
        .where(records.c.project.in_(ids))
        .order_by(records.c.project, sources.c.locator, records.c.version)
    )
    for row in history:
        entry = dict(row._mapping)
        out[entry.pop("project")]["sources"].append(entry)
    return out


def record_json(connection: Connection, record_id: int) -> dict[str, Any]:
    """One stored parse result (the parse contract's object)."""
    value = connection.execute(select(records.c.result_json).where(records.c.id == record_id)).scalar()
    if value is None:
        raise NotFound(f"no record {record_id}")
    return dict(json.loads(value))
