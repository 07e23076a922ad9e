"""The library's read API over a store: search, facets, statistics, one project, one country.

``Portfolio(url)`` is what the CLI, the REST API and the web pages use; it returns plain dicts
ready for JSON. Everything here is portable SQL (SQLAlchemy Core) except full-text matching,
which ``fulltext.py`` (SQLite FTS5) or ``fulltext_pg.py`` (PostgreSQL) provides, chosen by the
engine's dialect.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Select, and_, any_, bindparam, case, distinct, func, literal, not_, or_, select, true
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from fundatlas.errors import FundatlasError
from fundatlas.normalize.countries import country_name
from fundatlas.query import highlight
from fundatlas.query.filters import FACETS, Page, SearchFilters
from fundatlas.query.fulltext_backends import for_dialect
from fundatlas.query.terms import ParsedQuery, QueryError, parse_query
from fundatlas.store import search as search_index
from fundatlas.store.database import open_store
from fundatlas.store.merge import language_order
from fundatlas.store.schema import (
    beneficiaries,
    findings,
    project_texts,
    projects,
    records,
    search_documents,
    sightings,
    snapshots,
    sort_year,
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
#: With a text query sorted by relevance, a query whose words are in more projects than this is
#: shown newest first: ranking that many would take long, and relevance says little among them.
RANK_LIMIT = 10_000
#: Filters the full-text index also holds (``store.search.FILTER_KINDS``) -> their SearchFilters field.
_FILTER_FIELDS = {"idf_region": "idf_region", "project_type": "project_type", "status": "status",
                  "coverage": "coverage", "country": "country", "lang": "lang"}
_SORT_COLUMNS: dict[str, ColumnElement[Any]] = {
    "year": sort_year,
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
        """``{"total": N, "items": [...], "page", "per_page", "sort"}``; items carry snippets for a query.

        With a query, sorted by relevance: bm25 (FTS5) or ts_rank_cd (PostgreSQL), title words
        weighing most; when the query's words are in more than ``RANK_LIMIT`` projects, newest first.
        """
        filters = filters or SearchFilters()
        page = page or Page()
        query = _parse(filters.q)
        with self.engine.connect() as connection:
            expression, scored, rest = self._expression(connection, filters)
            conditions = self._conditions(rest)
            if expression is None:
                total, ids = self._page(connection, conditions, page)
            else:
                total, ids = self._text_page(connection, conditions, expression, page, scored)
            texts = _texts(connection, ids, descriptions=query is not None)
            items = self._summaries(connection, ids, texts)
            if query is not None and items:
                marks = _snippets(connection, ids, query, texts)
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
        with self.engine.connect() as connection:
            expression, scored, rest = self._expression(connection, filters)
            conditions = self._conditions(rest)
            statement = select(projects.c.id).where(*conditions)
            if expression is None:
                return [row[0] for row in connection.execute(statement.order_by(*_order(Page(sort=sort).sort)))]
            if Page(sort=sort).sort != "relevance":
                statement = statement.where(projects.c.id.in_(self._fulltext.matching(expression, "match_expr")))
                return [row[0] for row in connection.execute(statement.order_by(*_order(Page(sort=sort).sort)))]
            matched = self._fulltext.scored(expression, ranked_by=scored).subquery("matched")
            statement = statement.join(matched, matched.c.project == projects.c.id)
            return [row[0] for row in connection.execute(statement.order_by(matched.c.score, projects.c.id))]

    def facets(self, filters: SearchFilters | None = None) -> dict[str, list[dict[str, Any]]]:
        """For each facet, the count of projects per value under every other filter."""
        filters = filters or SearchFilters()
        out: dict[str, list[dict[str, Any]]] = {}
        with self.engine.connect() as connection:
            for facet in FACETS:
                others = filters.without(facet)
                ids = self._filtered(connection, others).subquery()
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
            ids = self._filtered(connection, filters).subquery()
            if by == "country":
                return _country_stats(connection, ids)
            column = sort_year if by == "year" else projects.c[by]
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
            ids = self._filtered(connection, filters).subquery()
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

    def _expression(
        self, connection: Connection, filters: SearchFilters
    ) -> tuple[str | None, str | None, SearchFilters]:
        """The text query as one full-text expression, the text query's own part of it (what
        relevance scores), and the filters it does not hold.

        The expression also holds the filters on region, type, status, coverage, country, language
        and years, as the documents' filter tokens. While the index was built with another glossary
        or document format, it looks for every spelling instead of concept tokens, and every filter
        stays an SQL condition.
        """
        query = _parse(filters.q)
        if query is None:
            return None, None, filters
        fresh = search_index.index_glossary(connection) == search_index.fingerprint()
        syntax = self._fulltext.SYNTAX if fresh else self._fulltext.SYNTAX.without_concepts()
        expression = syntax.matching(query)
        if expression is None or not fresh:
            return expression, expression, filters
        groups = [
            [search_index.filter_token(kind, value) for value in getattr(filters, _FILTER_FIELDS[kind])]
            for kind in search_index.FILTER_KINDS
            if getattr(filters, _FILTER_FIELDS[kind])
        ]
        cleared: dict[str, Any] = dict.fromkeys(_FILTER_FIELDS.values(), ())
        years = _years(connection, filters)
        if years:
            groups.append([search_index.filter_token(search_index.YEAR_KIND, str(year)) for year in years])
            cleared |= {"year_from": None, "year_to": None}
        whole = syntax.restricted(expression, groups) if groups else expression
        return whole, expression, replace(filters, **cleared)

    def _conditions(self, filters: SearchFilters) -> list[ColumnElement[bool]]:
        """Every filter but the text query, as conditions on ``projects``."""
        conditions: list[ColumnElement[bool]] = []
        for name in ("idf_region", "project_type", "status", "coverage"):
            values = getattr(filters, name)
            if values:
                conditions.append(projects.c[name].in_(values))
        # Related-table filters as IN (uncorrelated subqueries): SQLite runs each once, where a
        # correlated EXISTS was re-run for every project (minutes at 100,000 projects).
        if filters.country:
            conditions.append(self._member(
                select(beneficiaries.c.project).where(beneficiaries.c.iso3.in_(filters.country)), few=True))
        if filters.year_from is not None:
            conditions.append(sort_year >= filters.year_from)
        if filters.year_to is not None:
            conditions.append(sort_year <= filters.year_to)
        if filters.budget_min is not None:
            conditions.append(projects.c.budget_usd >= filters.budget_min)
        if filters.budget_max is not None:
            conditions.append(projects.c.budget_usd <= filters.budget_max)
        if filters.lang:
            conditions.append(self._member(
                select(project_texts.c.project).where(project_texts.c.lang.in_(filters.lang))))
        if filters.has_findings is not None:
            flagged = select(findings.c.project)
            if filters.has_findings in ("error", "warning", "info"):
                flagged = flagged.where(findings.c.severity == filters.has_findings)
            # Errors (a rule broken outright) are on few projects; warnings and notes on many.
            member = self._member(flagged, few=filters.has_findings == "error")
            conditions.append(not_(member) if filters.has_findings == "none" else member)
        return conditions

    def _member(self, related: Select[Any], *, few: bool = False) -> ColumnElement[bool]:
        """``projects.id IN (related)``, in the form each database runs best.

        PostgreSQL would join every project to ``related`` (a hash join over all projects) and sort
        the result; instead, when ``few`` projects are related (a few countries' projects), their
        ids are looked up in the primary key (``id = ANY(ARRAY(...))``); else ``(id IN (...)) IS
        TRUE`` reads ``related`` once into a hash that each project walked in the sort order's index
        is tested against (the form to negate: NOT ANY would compare each project with every
        related id). At 100,000 projects: three countries sorted by title 17 → 3 ms; error findings
        in a region, newest first, 23 → 8 ms.
        """
        if self.engine.dialect.name != "postgresql":
            return projects.c.id.in_(related)
        if few:
            return projects.c.id == any_(func.array(related.scalar_subquery()))
        return projects.c.id.in_(related).is_(true())

    def _filtered(self, connection: Connection, filters: SearchFilters) -> Select[Any]:
        """``SELECT projects.id`` of the projects ``filters`` select (for facets, statistics, totals)."""
        expression, _, rest = self._expression(connection, filters)
        conditions = self._conditions(rest)
        if expression is not None:
            conditions.append(projects.c.id.in_(self._fulltext.matching(expression, "match_expr")))
        return select(projects.c.id).where(*conditions)

    @staticmethod
    def _page(connection: Connection, conditions: list[ColumnElement[bool]], page: Page) -> tuple[int, list[int]]:
        """Total and one page of ids, without a text query (counted on the indexes)."""
        total = connection.execute(select(func.count()).select_from(projects).where(*conditions)).scalar_one()
        ordered = select(projects.c.id).where(*conditions).order_by(*_order(page.sort))
        return total, [row[0] for row in connection.execute(ordered.limit(page.per_page).offset(page.offset))]

    def _text_page(
        self, connection: Connection, conditions: list[ColumnElement[bool]], expression: str, page: Page,
        scored: str | None = None,
    ) -> tuple[int, list[int]]:
        """Total and one page of ids for a text query: the full-text search runs once, its matches
        joined to the projects they are (filtered there, ranked after the filters)."""
        needs_count = page.sort == "relevance" or not conditions
        matches = self._fulltext.count_matching(connection, expression) if needs_count else None
        ranked = page.sort == "relevance" and matches is not None and matches <= RANK_LIMIT
        if not ranked and not conditions and matches is not None:
            # Every filter is in the expression: its count is the total. With many matches, the page
            # walks the sort order's index and keeps the matching projects (few are walked before the
            # page is full); else the matches are read and sorted.
            member = None
            if page.sort.lstrip("-") != "title":  # (no index holds the titles' order)
                walked = (page.offset + page.per_page) * _highest_id(connection) / max(matches, 1)
                member = self._fulltext.walking(expression, "match_expr", walked)
            if member is None:
                member = projects.c.id.in_(self._fulltext.matching(expression, "match_expr"))
            ordered = select(projects.c.id).where(member).order_by(*_order(page.sort))
            page_ids = connection.execute(ordered.limit(page.per_page).offset(page.offset))
            return matches, [row[0] for row in page_ids]
        if ranked and not conditions:
            # Every filter is in the expression: rank the matching documents (one per project) alone.
            ranking = self._fulltext.scored(expression, ranked_by=scored).subquery("matched")
            best = select(ranking.c.project).order_by(ranking.c.score, ranking.c.project)
            page_ids = connection.execute(best.limit(page.per_page).offset(page.offset))
            return int(matches or 0), [row[0] for row in page_ids]
        matched = (self._fulltext.scored(expression, ranked_by=scored) if ranked
                   else self._fulltext.matching(expression, "match_expr")).subquery("matched")
        total_column = func.count().over().label("total")
        if ranked:
            # The score of each project the filters keep, computed before the total is counted over
            # them (the count then holds ids and scores, not the documents the scores are read from).
            kept = (select(projects.c.id, matched.c.score).join(matched, matched.c.project == projects.c.id)
                    .where(*conditions).offset(0).subquery("kept"))
            statement = select(kept.c.id, total_column).order_by(kept.c.score, kept.c.id)
        else:
            statement = (select(projects.c.id, total_column).join(matched, matched.c.project == projects.c.id)
                         .where(*conditions).order_by(*_order(page.sort)))
        rows = connection.execute(statement.limit(page.per_page).offset(page.offset)).all()
        if rows:
            return int(rows[0][1]), [row[0] for row in rows]
        if page.offset == 0:
            return 0, []
        # A page past the end: count on its own.
        total = connection.execute(
            select(func.count()).select_from(projects).join(matched, matched.c.project == projects.c.id)
            .where(*conditions)
        ).scalar_one()
        return int(total), []

    def _summaries(
        self, connection: Connection, ids: Sequence[int], texts: Sequence[Any] | None = None
    ) -> list[dict[str, Any]]:
        """The projects' summaries, in ``ids`` order (``texts``: their ``_texts``, if read already)."""
        if not ids:
            return []
        rows = {
            row.id: dict(row._mapping)
            for row in connection.execute(select(*SUMMARY_COLUMNS).where(projects.c.id.in_(ids)))
        }
        titles: dict[int, dict[str, str]] = {}
        for pid, lang, title, *_ in texts if texts is not None else _texts(connection, ids):
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


def _order(sort: str) -> tuple[ColumnElement[Any], ...]:
    """ORDER BY for a sort other than relevance (which, without a query, is newest first)."""
    if sort == "relevance":
        return (_SORT_COLUMNS["year"].desc().nulls_last(), projects.c.id.desc())
    column = _SORT_COLUMNS[sort.lstrip("-")]
    ordering = column.desc().nulls_last() if sort.startswith("-") else column.asc().nulls_last()
    return (ordering, projects.c.id)


def _highest_id(connection: Connection) -> int:
    """About how many projects the store holds (exact but for deleted ones), read off the index."""
    return int(connection.execute(select(func.max(projects.c.id))).scalar() or 0)


#: A range of more years than this (among the store's) stays an SQL condition.
MAX_YEARS_IN_TEXT = 60


def _years(connection: Connection, filters: SearchFilters) -> range | None:
    """The years of the store that the year filters keep, to be alternatives of the full-text
    expression; None without a year filter, or when the range is empty or over ``MAX_YEARS_IN_TEXT``
    (then the filters stay SQL conditions)."""
    if filters.year_from is None and filters.year_to is None:
        return None
    low, high = connection.execute(
        select(select(func.min(sort_year)).scalar_subquery(), select(func.max(sort_year)).scalar_subquery())
    ).one()
    if low is None or high is None:
        return None
    first = max(low, filters.year_from) if filters.year_from is not None else low
    last = min(high, filters.year_to) if filters.year_to is not None else high
    if first > last or last - first + 1 > MAX_YEARS_IN_TEXT:
        return None
    return range(first, last + 1)


def _texts(connection: Connection, ids: Sequence[int], *, descriptions: bool = False) -> list[Any]:
    """``(project, lang, title[, description])`` rows of the projects' texts (descriptions for snippets)."""
    if not ids:
        return []
    columns = [project_texts.c.project, project_texts.c.lang, project_texts.c.title]
    if descriptions:
        columns.append(project_texts.c.description)
    return list(connection.execute(select(*columns).where(project_texts.c.project.in_(ids))))


def _snippets(connection: Connection, ids: Sequence[int], query: ParsedQuery,
              rows: Sequence[Any] | None = None) -> dict[int, str]:
    """For each project, the passage of its texts that matched: descriptions first, then titles,
    then its keywords (type, region, countries), in language order (``rows``: the projects'
    ``_texts`` with descriptions, if read already)."""
    found = highlight.patterns(query)
    if not found:
        return {}
    texts: dict[int, list[tuple[tuple[int, str], str, str]]] = {}
    for pid, lang, title, description in rows if rows is not None else _texts(connection, ids, descriptions=True):
        texts.setdefault(pid, []).append((language_order(lang), title or "", description or ""))
    keywords = dict(connection.execute(
        select(search_documents.c.id, search_documents.c.keywords).where(search_documents.c.id.in_(ids))).all())
    out: dict[int, str] = {}
    for pid in ids:
        listed = sorted(texts.get(pid, []))
        candidates = [d for _, _, d in listed] + [t for _, t, _ in listed]
        candidates.append(search_index.without_tokens(keywords.get(pid) or ""))
        passage = highlight.snippet(candidates, found)
        if passage is not None:
            out[pid] = passage
    return out


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
    column = sort_year if facet == "year" else projects.c[facet]
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
    year = sort_year
    return [
        row[0]
        for row in connection.execute(
            select(projects.c.id).where(projects.c.id.in_(ids)).order_by(year.desc().nulls_last(), projects.c.id)
        )
    ]


# One project's statements, built once (a project page is the most frequent request of the API).
_IDS: BindParameter[Any] = bindparam("ids", expanding=True)
_BY_ROW_ID = select(projects.c.id).where(projects.c.id == bindparam("row"))
_BY_REF = (
    select(projects.c.id)
    .where(or_(projects.c.project_id == bindparam("ref"), projects.c.prima_id == bindparam("ref"),
               projects.c.key == bindparam("key")))
    .order_by(projects.c.id)
)
_PROJECT_ROWS = select(projects).where(projects.c.id.in_(_IDS))
_TEXT_ROWS = select(project_texts).where(project_texts.c.project.in_(_IDS))
_BENEFICIARY_ROWS = select(beneficiaries).where(beneficiaries.c.project.in_(_IDS)).order_by(beneficiaries.c.position)
_FINDING_ROWS = select(findings).where(findings.c.project.in_(_IDS)).order_by(findings.c.id)
_HISTORY_ROWS = (
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
    .where(records.c.project.in_(_IDS))
    .order_by(records.c.project, sources.c.locator, records.c.version)
)


def _resolve_project(connection: Connection, ref: int | str) -> int:
    """A project by its row id, project ID (``IS.0133``), PRIMA ID or key."""
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        found = connection.execute(_BY_ROW_ID, {"row": int(ref)}).scalar()
    else:
        found = connection.execute(_BY_REF, {"ref": "".join(ref.split()).upper(), "key": ref}).scalar()
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
    wanted = {"ids": list(ids)}
    for row in connection.execute(_PROJECT_ROWS, wanted):
        item = dict(row._mapping)
        item["languages"] = item["languages"].split(",") if item["languages"] else []
        item.pop("state_sha256", None)
        item.update(texts={}, beneficiaries=[], findings=[], sources=[])
        out[row.id] = item
    if not out:
        return out
    for row in connection.execute(_TEXT_ROWS, wanted):
        text = dict(row._mapping)
        out[text.pop("project")]["texts"][text["lang"]] = text
    children = ((_BENEFICIARY_ROWS, "beneficiaries"), (_FINDING_ROWS, "findings"), (_HISTORY_ROWS, "sources"))
    for statement, key in children:
        for row in connection.execute(statement, wanted):
            entry = dict(row._mapping)
            out[entry.pop("project")][key].append(entry)
    return out


def record_json(connection: Connection, record_id: int) -> dict[str, Any]:
    """One stored parse result (the parse contract's object)."""
    value = connection.execute(select(records.c.result_json).where(records.c.id == record_id)).scalar()
    if value is None:
        raise NotFound(f"no record {record_id}")
    return dict(json.loads(value))
