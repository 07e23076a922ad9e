"""Search filters, sort orders and pages: validated plain data shared by the CLI, API and web."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from fundatlas.query.terms import MAX_QUERY_LENGTH, QueryError
from fundatlas.vocab import load_json

COVERAGES = ("national", "regional", "global", "interregional")
STATUSES = ("active", "completed")
REGIONS = (
    "africa",
    "asia_oceania",
    "latin_america_caribbean",
    "middle_east_north_africa",
    "europe_central_asia",
    "global",
)
#: Project type codes (``vocab/values.json``).
PROJECT_TYPES = tuple(code for code in load_json("values.json")["project_type"] if not code.startswith("_"))
SEVERITIES = ("error", "warning", "info")
#: Sort keys; a leading "-" sorts descending. "relevance" needs a query (else newest first).
SORTS = ("relevance", "year", "-year", "budget", "-budget", "title", "-title", "project_id", "-project_id")
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
#: Facets (filter dimensions) in display order.
FACETS = ("idf_region", "project_type", "status", "coverage", "country", "year", "has_findings")


@dataclass(frozen=True)
class SearchFilters:
    """What to look for. Every field is optional; lists mean "any of"."""

    q: str | None = None
    idf_region: tuple[str, ...] = ()
    project_type: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    coverage: tuple[str, ...] = ()
    country: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    budget_min: float | None = None
    budget_max: float | None = None
    has_findings: str | None = None  # "any", "error", "warning", "info", or "none"
    lang: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        for name in ("idf_region", "project_type", "status", "coverage", "country", "lang"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, (value,))
        _check_choice("idf_region", self.idf_region, REGIONS)
        _check_choice("project_type", self.project_type, PROJECT_TYPES)
        _check_choice("status", self.status, STATUSES)
        _check_choice("coverage", self.coverage, COVERAGES)
        _check_choice("lang", self.lang, ("fr", "en", "es"))
        countries = tuple(c.upper() for c in self.country)
        for code in countries:
            if len(code) != 3 or not code.isalpha():
                raise QueryError(f"country: {code!r} is not an ISO 3166-1 alpha-3 code such as FJI")
        object.__setattr__(self, "country", countries)
        if self.q is not None and len(self.q) > MAX_QUERY_LENGTH:
            raise QueryError(f"q: the query is {len(self.q)} characters long; at most {MAX_QUERY_LENGTH} are allowed")
        for name in ("year_from", "year_to"):
            year = getattr(self, name)
            if year is not None and not 1900 <= year <= 2100:
                raise QueryError(f"{name}: {year} is not a year between 1900 and 2100")
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            raise QueryError(f"year_from ({self.year_from}) is after year_to ({self.year_to})")
        for name in ("budget_min", "budget_max"):
            amount = getattr(self, name)
            if amount is not None and amount < 0:
                raise QueryError(f"{name}: a budget cannot be negative ({amount})")
        if self.budget_min is not None and self.budget_max is not None and self.budget_min > self.budget_max:
            raise QueryError(f"budget_min ({self.budget_min}) is above budget_max ({self.budget_max})")
        if self.has_findings is not None and self.has_findings not in ("any", "none", *SEVERITIES):
            raise QueryError(f"has_findings: {self.has_findings!r} is not one of any, none, error, warning, info")

    def without(self, facet: str) -> SearchFilters:
        """These filters less one facet's own (for facet counts)."""
        if facet == "year":
            return replace(self, year_from=None, year_to=None)
        if facet == "has_findings":
            return replace(self, has_findings=None)
        cleared: dict[str, Any] = {facet: ()}
        return replace(self, **cleared)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value not in (None, ()):
                out[item.name] = list(value) if isinstance(value, tuple) else value
        return out


def _check_choice(name: str, values: tuple[str, ...], allowed: tuple[str, ...]) -> None:
    for value in values:
        if value not in allowed:
            raise QueryError(f"{name}: {value!r} is not one of {', '.join(allowed)}")


@dataclass(frozen=True)
class Page:
    """Which slice of the results, and in which order."""

    sort: str = "relevance"
    page: int = 1
    per_page: int = 20

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise QueryError(f"sort: {self.sort!r} is not one of {', '.join(SORTS)}")
        if not 1 <= self.page <= MAX_PAGE:
            raise QueryError(f"page: {self.page} is not between 1 and {MAX_PAGE}")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise QueryError(f"per_page: {self.per_page} is not between 1 and {MAX_PER_PAGE}")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page
