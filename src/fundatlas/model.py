"""Plain data that flows through the pipeline: spans, raw fields, projects, parse results.

Nothing here does I/O. ``ParseResult.to_dict()`` renders the JSON object fixed by the parse
contract (``shared/CONTRACT.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

LANGUAGES = ("fr", "en", "es")
LAYOUTS = ("fields", "table", "values")

#: The ``project`` keys of the contract, in output order.
PROJECT_KEYS = (
    "title",
    "project_id",
    "prima_id",
    "status",
    "status_label",
    "project_type",
    "project_type_label",
    "budget_usd",
    "coverage",
    "year",
    "start_year",
    "end_year",
    "duration_months",
    "idf_region",
    "idf_region_label",
    "mission",
    "beneficiaries",
    "description",
    "provenance",
)


class Span(NamedTuple):
    """A half-open character range ``[start, end)`` in the decoded input."""

    start: int
    end: int

    def to_dict(self) -> dict[str, int]:
        return {"start": self.start, "end": self.end}


class RawField(NamedTuple):
    """A value as written on the page, with where it was read from (in the page text)."""

    value: str
    span: Span


class BeneficiaryLine(NamedTuple):
    """A line (or part of one) that lists beneficiary countries, and whether they are eligible."""

    field: RawField
    eligible: bool = True


@dataclass(slots=True)
class RawPage:
    """What the parser read off a page, before normalization: words as written, with spans."""

    lang: str | None = None
    layout: str | None = None
    fields: dict[str, RawField] = field(default_factory=dict)
    beneficiary_lines: list[BeneficiaryLine] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: The folded labels (and table header) the page was read by: they tell its language.
    labels: list[str] = field(default_factory=list)

    @property
    def is_project(self) -> bool:
        return self.layout is not None


@dataclass(frozen=True, slots=True)
class Beneficiary:
    iso3: str
    name: str
    eligible: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"iso3": self.iso3, "name": self.name, "eligible": self.eligible}


@dataclass(slots=True)
class Project:
    """One project page, normalized. Every field may be ``None`` when the page does not state it."""

    title: str | None = None
    project_id: str | None = None
    prima_id: str | None = None
    status: str | None = None
    status_label: str | None = None
    project_type: str | None = None
    project_type_label: str | None = None
    budget_usd: float | None = None
    coverage: str | None = None
    year: int | None = None
    start_year: int | None = None
    end_year: int | None = None
    duration_months: int | None = None
    idf_region: str | None = None
    idf_region_label: str | None = None
    mission: str | None = None
    beneficiaries: list[Beneficiary] = field(default_factory=list)
    description: str | None = None
    provenance: dict[str, Span] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in PROJECT_KEYS:
            value = getattr(self, key)
            if key == "beneficiaries":
                out[key] = [b.to_dict() for b in value]
            elif key == "provenance":
                out[key] = {name: span.to_dict() for name, span in value.items()}
            else:
                out[key] = value
        return out


SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class Finding:
    """One result of checking a project against one of the Fund's rules."""

    rule: str
    severity: str  # "error" | "warning" | "info"
    message: str
    field: str | None = None
    source: str | None = None  # where the rule comes from (research note, guidance note)
    span: Span | None = None
    lang: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "field": self.field,
            "source": self.source,
            "span": self.span.to_dict() if self.span is not None else None,
            "lang": self.lang,
        }


@dataclass(slots=True)
class Source:
    sha256: str | None
    lang: str | None = None
    layout: str | None = None
    path: str | None = None
    url: str | None = None
    encoding: str | None = None
    is_html: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path}
        if self.url is not None:
            out["url"] = self.url
        out.update(
            sha256=self.sha256,
            lang=self.lang,
            layout=self.layout,
            encoding=self.encoding,
            format="html" if self.is_html else "text",
        )
        return out


@dataclass(slots=True)
class ParseResult:
    """What ``parse_page`` gives for one input: never raises, errors are listed instead."""

    source: Source
    is_project: bool = False
    project: Project | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: The decoded input the spans refer to (not serialized).
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source.to_dict(),
            "is_project": self.is_project,
            "project": self.project.to_dict() if self.project is not None else None,
            "errors": list(self.errors),
            "warnings": list(self.warnings),
        }
