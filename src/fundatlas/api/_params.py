"""Query parameters shared by the list endpoints, turned into the query layer's ``SearchFilters`` and ``Page``.

Types, bounds and choices are declared here so that FastAPI answers 422 for a bad value and the
OpenAPI document lists them; what only the query layer knows (year_from after year_to, a query of
only exclusions, too many terms) comes back as a ``QueryError``, answered as a 422 of the same shape.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query
from fastapi.exceptions import RequestValidationError
from pydantic import StringConstraints

from fundatlas.query import Page, QueryError, SearchFilters, parse_query
from fundatlas.query.filters import MAX_PAGE, MAX_PER_PAGE
from fundatlas.query.terms import MAX_QUERY_LENGTH

#: At most this many values of one repeatable filter (``?country=FJI&country=TON…``).
MAX_VALUES = 50
MAX_BUDGET = 1e12

# The choices of fundatlas.query.filters, spelled out for the OpenAPI document (a test keeps them equal).
Region = Literal[
    "africa", "asia_oceania", "latin_america_caribbean", "middle_east_north_africa", "europe_central_asia", "global"
]
ProjectStatus = Literal["active", "completed"]
Coverage = Literal["national", "regional", "global", "interregional"]
Lang = Literal["fr", "en", "es"]
Severity = Literal["error", "warning", "info"]
FindingsFilter = Literal["any", "none", "error", "warning", "info"]
Sort = Literal["relevance", "year", "-year", "budget", "-budget", "title", "-title", "project_id", "-project_id"]
StatDimension = Literal["year", "idf_region", "project_type", "coverage", "status", "country"]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")]
TypeCode = Literal[
    "integration_social_cohesion", "protection_assistance_vulnerable_migrants", "migration_policy",
    "migration_research", "labour_migration", "immigration_borders", "facilitated_migration",
    "community_economic_development", "community_development", "counter_trafficking", "tcmmcb",
    "migrant_knowledge_resources_transfer", "environment_climate_change", "migration_health", "durable_solutions",
    "return_reintegration", "return_assistance",
]

QUERY_HELP = (
    "Full-text search, in any of French, English and Spanish: words are all required; "
    '"a phrase"; word* for a prefix; -word to exclude; OR between two terms.'
)
#: Every filter's query parameter (for locating a ``QueryError``).
FILTER_PARAMS = ("q", "idf_region", "project_type", "status", "coverage", "country", "year_from", "year_to",
                 "budget_min", "budget_max", "has_findings", "lang")


def query_error(exc: QueryError, default: str | None = None, value: Any = None) -> RequestValidationError:
    """A ``QueryError`` as FastAPI's own 422: the parameter is the message's first word when it names one."""
    message = str(exc)
    first = message.split(":", 1)[0].split(" ", 1)[0]
    name = first if first in (*FILTER_PARAMS, "sort", "page", "per_page", "by") else default
    location: tuple[str, ...] = ("query", name) if name else ("query",)
    return RequestValidationError([{"loc": location, "msg": message, "type": "value_error", "input": value}])


def search_filters(
    q: Annotated[str | None, Query(max_length=MAX_QUERY_LENGTH, description=QUERY_HELP)] = None,
    idf_region: Annotated[list[Region] | None, Query(max_length=MAX_VALUES, description="IDF region (repeatable)")]
    = None,
    project_type: Annotated[list[TypeCode] | None, Query(max_length=MAX_VALUES, description="project type code, "
                                                         "such as counter_trafficking (repeatable)")] = None,
    status: Annotated[list[ProjectStatus] | None, Query(max_length=MAX_VALUES, description="repeatable")] = None,
    coverage: Annotated[list[Coverage] | None, Query(max_length=MAX_VALUES, description="repeatable")] = None,
    country: Annotated[list[CountryCode] | None, Query(max_length=MAX_VALUES, description="beneficiary country, "
                                                       "ISO 3166-1 alpha-3 such as FJI (repeatable)")] = None,
    year_from: Annotated[int | None, Query(ge=1900, le=2100, description="year (else start year) at least")] = None,
    year_to: Annotated[int | None, Query(ge=1900, le=2100, description="year (else start year) at most")] = None,
    budget_min: Annotated[float | None, Query(ge=0, le=MAX_BUDGET, allow_inf_nan=False, description="USD")] = None,
    budget_max: Annotated[float | None, Query(ge=0, le=MAX_BUDGET, allow_inf_nan=False, description="USD")] = None,
    has_findings: Annotated[FindingsFilter | None, Query(description="projects with findings (any, or of a "
                                                         "severity), or none")] = None,
    lang: Annotated[list[Lang] | None, Query(max_length=3, description="projects with a page in this language")]
    = None,
) -> SearchFilters:
    """The filters every list endpoint takes (search, facets, stats, totals, exports)."""
    if q is not None:
        try:
            parse_query(q)
        except QueryError as exc:
            raise query_error(exc, "q", q) from exc
    try:
        return SearchFilters(
            q=q,
            idf_region=tuple(idf_region or ()),
            project_type=tuple(project_type or ()),
            status=tuple(status or ()),
            coverage=tuple(coverage or ()),
            country=tuple(country or ()),
            year_from=year_from,
            year_to=year_to,
            budget_min=budget_min,
            budget_max=budget_max,
            has_findings=has_findings,
            lang=tuple(lang or ()),
        )
    except QueryError as exc:
        raise query_error(exc) from exc


def page_params(
    sort: Annotated[Sort, Query(description="relevance needs q (else newest first); a leading - sorts descending")]
    = "relevance",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 20,
) -> Page:
    try:
        return Page(sort=sort, page=page, per_page=per_page)
    except QueryError as exc:
        raise query_error(exc) from exc
