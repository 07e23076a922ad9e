"""Pydantic models of the answers, for the OpenAPI document (``/docs``, ``/openapi.json``).

The endpoints render their JSON with orjson (``_json.py``) rather than through these models; the
schemathesis tests check that every answer conforms to them. Fields may be added later: clients
should ignore fields they do not know.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from fundatlas.api._settings import Limits


class ErrorMessage(BaseModel):
    """Every error but 422: ``{"detail": "what went wrong and what to change"}``."""

    detail: str


class ProjectSummary(BaseModel):
    """One project in a list: the merged record's main fields, its titles, countries and finding counts."""

    id: int = Field(description="the row id (stable within a store)")
    project_id: str | None = Field(description="the Fund's project ID, such as IS.0133")
    prima_id: str | None
    title: str | None
    languages: list[str]
    budget_usd: float | None
    coverage: str | None
    status: str | None
    year: int | None
    start_year: int | None
    end_year: int | None
    idf_region: str | None
    project_type: str | None
    titles: dict[str, str] = Field(description="the title in each language with a page")
    countries: list[str] = Field(description="beneficiary countries (ISO 3166-1 alpha-3), in page order")
    eligible_countries: list[str]
    findings: dict[str, int] = Field(description="number of findings per severity")
    snippet: str | None = Field(
        None, description="with q: the best-matching passage, HTML-escaped, matched words in <mark>"
    )


class SearchPage(BaseModel):
    total: int = Field(description="projects matching the filters, on every page")
    page: int
    per_page: int
    sort: str
    filters: dict[str, Any] = Field(description="the filters as understood (empty ones left out)")
    items: list[ProjectSummary]


class FacetCount(BaseModel):
    value: str | int | None
    count: int


class StatRow(BaseModel):
    key: str | int | None = Field(description="the group (a year, region code, type code, … or ISO3)")
    projects: int
    usd: float
    name: str | None = Field(None, description="by=country: the country's English name")
    projects_eligible: int | None = Field(None, description="by=country: projects where it is eligible")
    usd_share: float | None = Field(None, description="by=country: each project's budget split between its countries")


class Totals(BaseModel):
    projects: int
    usd: float
    countries: int


class CountrySummary(BaseModel):
    key: str = Field(description="ISO 3166-1 alpha-3")
    name: str | None
    projects: int
    projects_eligible: int
    usd: float
    usd_share: float


class YearTotal(BaseModel):
    year: int | None
    projects: int
    usd: float


class CountryDetail(BaseModel):
    iso3: str
    names: dict[str, str | None]
    projects: int
    projects_eligible: int
    usd: float
    usd_share: float
    by_year: list[YearTotal]
    items: list[ProjectSummary]


class ProjectText(BaseModel):
    lang: str
    title: str | None
    description: str | None
    status_label: str | None
    project_type_label: str | None
    idf_region_label: str | None
    url: str
    snapshot_sha256: str
    record_id: int


class Beneficiary(BaseModel):
    position: int
    iso3: str
    name: str
    eligible: bool
    lang: str | None


class ProjectFinding(BaseModel):
    id: int
    rule: str
    severity: str
    field: str | None
    message: str
    lang: str | None
    snapshot_sha256: str | None
    span_start: int | None
    span_end: int | None
    source: str | None


class SourceVersion(BaseModel):
    locator: str
    kind: str
    version: int
    is_current: bool
    lang: str | None
    snapshot_sha256: str
    seen_at: datetime
    size: int


class ProjectDetail(BaseModel):
    """One project: the merged record, its text in every language, beneficiaries, findings and history."""

    id: int
    key: str
    key_kind: str
    project_id: str | None
    prima_id: str | None
    title: str | None
    languages: list[str]
    budget_usd: float | None
    coverage: str | None
    status: str | None
    year: int | None
    start_year: int | None
    end_year: int | None
    duration_months: int | None
    idf_region: str | None
    project_type: str | None
    mission: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    texts: dict[str, ProjectText]
    beneficiaries: list[Beneficiary]
    findings: list[ProjectFinding]
    sources: list[SourceVersion]


class FindingRow(ProjectFinding):
    project: int
    project_id: str | None
    title: str | None


class RuleCount(BaseModel):
    rule: str
    severity: str
    count: int


class FindingsPage(BaseModel):
    total: int
    items: list[FindingRow]
    by_rule: list[RuleCount]


class RuleInfo(BaseModel):
    id: str
    severity: str
    title: str
    evidence: str = Field(description="sourced, seed or inferred")
    source: str
    fields: list[str]
    params: dict[str, Any]


class Health(BaseModel):
    status: Literal["ok", "error"]
    database: str
    version: str
    read_only: bool
    data_version: str | None = None


class PageIn(BaseModel):
    """One page to ingest: its URL and either its text or its HTML."""

    url: str = Field(min_length=8, max_length=2048, pattern=r"^https?://\S+$", description="the page's URL")
    text: str | None = Field(None, description="the page as text")
    html: str | None = Field(None, description="the page as HTML")

    @model_validator(mode="after")
    def _one_body(self) -> PageIn:
        if (self.text is None) == (self.html is None):
            raise ValueError("give either text or html (exactly one)")
        return self


class IngestRequest(BaseModel):
    pages: list[PageIn] = Field(min_length=1, max_length=Limits().ingest_max_pages)


class IngestOutcome(BaseModel):
    input: str
    status: Literal["stored", "unchanged", "duplicate", "not a project", "rejected"]
    reason: str | None
    sha256: str | None
    lang: str | None
    project: str | None = Field(description="the project's key in the store")


class IngestAnswer(BaseModel):
    counts: dict[str, int]
    outcomes: list[IngestOutcome]
