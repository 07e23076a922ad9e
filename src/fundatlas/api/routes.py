"""The read endpoints under ``/api``: projects, facets, stats, totals, countries, findings, rules, health.

Every answer is JSON rendered once with orjson and kept in the answer cache for the current data
version (``_cache.py``); the models in ``_models.py`` describe them in the OpenAPI document.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from fundatlas import __version__
from fundatlas.api._context import Context, cached_json
from fundatlas.api._json import JSONBytes
from fundatlas.api._models import (
    CountryDetail,
    CountrySummary,
    ErrorMessage,
    FacetCount,
    FindingsPage,
    Health,
    ProjectDetail,
    RuleInfo,
    SearchPage,
    StatRow,
    Totals,
)
from fundatlas.api._params import Severity, StatDimension, page_params, search_filters
from fundatlas.query import Page, SearchFilters
from fundatlas.rules import RULES
from fundatlas.store.schema import projects

#: Any read may be stopped by the statement time limit (or find the database unavailable).
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorMessage, "description": "A query ran past the time limit, or the database is unavailable"}
}
router = APIRouter(prefix="/api", responses=UNAVAILABLE)

Filters = Annotated[SearchFilters, Depends(search_filters)]
Paging = Annotated[Page, Depends(page_params)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorMessage, "description": "No such project or country"}}
#: The longest reference a project can have (a fallback key: ``fallback:<folded title>|<year>``).
MAX_REF_LENGTH = 400


def _key(request: Request) -> str:
    return f"{request.url.path}?{request.url.query}"


@router.get("/projects", response_model=SearchPage, tags=["projects"], summary="Search projects")
async def list_projects(request: Request, context: Context, filters: Filters, page: Paging) -> JSONBytes:
    """Projects matching the filters, one page of them, with ``total`` across all pages.

    With ``q``, items carry a ``snippet`` and ``sort=relevance`` (the default) ranks them.
    """
    return await cached_json(context, _key(request), lambda: context.portfolio.search(filters, page))


@router.get("/projects/{ref:path}", response_model=ProjectDetail, responses=NOT_FOUND, tags=["projects"],
            summary="One project")
async def get_project(
    context: Context,
    ref: Annotated[str, Path(min_length=1, max_length=MAX_REF_LENGTH,
                             description="row id, project ID (IS.0133), PRIMA ID or the project's key")],
) -> JSONBytes:
    """Every language's text, the beneficiaries, the findings and each source's history."""
    return await cached_json(context, f"project:{ref}", lambda: context.portfolio.project(ref))


@router.get("/facets", response_model=dict[str, list[FacetCount]], tags=["projects"], summary="Facet counts")
async def facets(request: Request, context: Context, filters: Filters) -> JSONBytes:
    """For each facet (idf_region, project_type, status, coverage, country, year, has_findings), the number of
    projects per value under every other filter."""
    return await cached_json(context, _key(request), lambda: context.portfolio.facets(filters))


@router.get("/stats", response_model=list[StatRow], tags=["projects"], summary="Projects and USD by a dimension")
async def stats(
    request: Request, context: Context, filters: Filters, by: Annotated[StatDimension, Query()]
) -> JSONBytes:
    """Projects and USD grouped by ``by``; by=country adds each country's name, eligible count and USD share."""
    return await cached_json(context, _key(request), lambda: context.portfolio.stats(by, filters))


@router.get("/totals", response_model=Totals, tags=["projects"], summary="Totals of a selection")
async def totals(request: Request, context: Context, filters: Filters) -> JSONBytes:
    """Projects, USD and beneficiary countries of the projects matching the filters."""
    return await cached_json(context, _key(request), lambda: context.portfolio.totals(filters))


@router.get("/countries", response_model=list[CountrySummary], tags=["countries"], summary="Beneficiary countries")
async def countries(context: Context) -> JSONBytes:
    return await cached_json(context, "countries", context.portfolio.countries)


@router.get("/countries/{iso3}", response_model=CountryDetail, responses=NOT_FOUND, tags=["countries"],
            summary="One beneficiary country")
async def country(
    context: Context, iso3: Annotated[str, Path(pattern=r"^[A-Za-z]{3}$", description="ISO 3166-1 alpha-3")]
) -> JSONBytes:
    """The country's projects (newest first), its totals and its projects and USD per year."""
    code = iso3.upper()
    return await cached_json(context, f"country:{code}", lambda: context.portfolio.country(code))


@router.get("/findings", response_model=FindingsPage, tags=["findings"], summary="Findings of the Fund's rules")
async def findings(
    request: Request,
    context: Context,
    severity: Annotated[Severity | None, Query()] = None,
    rule: Annotated[str | None, Query(min_length=1, max_length=64, description="a rule id of /api/rules")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> JSONBytes:
    """Findings in project order, with ``total`` and the count per rule and severity."""
    if rule is not None and rule not in RULES:
        raise RequestValidationError([{"loc": ("query", "rule"), "type": "value_error", "input": rule,
                                       "msg": f"rule: {rule!r} is not a rule id; known: {', '.join(RULES)}"}])
    return await cached_json(context, _key(request), lambda: context.portfolio.findings(
        severity=severity, rule=rule, limit=limit, offset=offset))


@router.get("/rules", response_model=list[RuleInfo], tags=["findings"], summary="The Fund's rules")
def rules() -> JSONBytes:
    """The rules the findings come from (``vocab/rules.json``), with their evidence level and source."""
    return JSONBytes([
        {"id": r.id, "severity": r.severity, "title": r.title, "evidence": r.evidence, "source": r.source,
         "fields": list(r.fields), "params": dict(r.params)}
        for r in RULES.values()
    ])


@router.get("/health", response_model=Health, tags=["service"], summary="Is the service up?",
            responses={503: {"model": Health, "description": "The database cannot be read"}})
async def health(context: Context) -> JSONBytes:
    """200 when the database answers a trivial query, else 503 (for load balancers and monitors)."""
    answer: dict[str, Any] = {"status": "ok", "database": "ok", "version": __version__,
                              "read_only": context.settings.read_only, "data_version": context.cache.version}

    def probe() -> None:
        with context.portfolio.engine.connect() as connection:
            connection.execute(select(projects.c.id).limit(1)).all()

    try:
        await run_in_threadpool(context.deadline.run, probe)
    except Exception as exc:  # any failure of the database is the answer, not an error
        answer.update(status="error", database=f"unavailable ({type(exc).__name__})")
        return JSONBytes(answer, status_code=503)
    return JSONBytes(answer)
