"""The flat tables shared by the CSV, XLSX and data-package exports: columns and rows.

Three tables, columns in a fixed, documented order (``TABLES``):

* ``projects``: one row per project;
* ``beneficiaries``: one row per beneficiary country of a project, in page order;
* ``findings``: one row per finding of the Fund's rules.

Rows are lists of plain Python values (``int``, ``float``, ``bool``, ``str``, ``datetime`` or
``None``), so each format can type its cells. Lists inside a cell (languages, countries) are joined
with ``LIST_SEPARATOR``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fundatlas.normalize.countries import country_name
from fundatlas.query.filters import COVERAGES, REGIONS, SEVERITIES, STATUSES

__all__ = ["LIST_SEPARATOR", "LANGS", "TABLES", "Column", "Table", "project_reference"]

LIST_SEPARATOR = ";"
LANGS = ("en", "fr", "es")

Value = int | float | bool | str | datetime | None


@dataclass(frozen=True)
class Column:
    """One column: its name, its Table Schema type, what it holds, and optional constraints."""

    name: str
    type: str  # integer, number, string, boolean, datetime (Frictionless Table Schema types)
    description: str
    required: bool = False
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    width: int = 12  # a reasonable spreadsheet column width, in characters


@dataclass(frozen=True)
class Table:
    """A flat table: its columns, keys, and the rows one project gives."""

    name: str
    title: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    rows: Callable[[dict[str, Any]], Iterator[list[Value]]]
    foreign_key: str | None = None  # the column that refers to projects.id

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.columns]


_ISO3 = "^[A-Z]{3}$"
_LANG = ("fr", "en", "es")

PROJECT_COLUMNS: tuple[Column, ...] = (
    Column("id", "integer", "the project's row id in this store (stable within a store)", required=True, width=6),
    Column("project_id", "string", "the Fund's Project ID as on the page (IS.0133)", width=11),
    Column("prima_id", "string", "the PRIMA ID as on the page (MR10P0564)", width=12),
    Column("key", "string", "the store's identity key: project_id:…, prima_id:… or fallback:…", required=True,
           width=20),
    Column("title", "string", "the title in the first language available of en, fr, es", width=60),
    Column("title_en", "string", "the English page's title", width=40),
    Column("title_fr", "string", "the French page's title", width=40),
    Column("title_es", "string", "the Spanish page's title", width=40),
    Column("languages", "string", f"languages with a page, '{LIST_SEPARATOR}'-separated (en;fr)", required=True,
           width=10),
    Column("budget_usd", "number", "the budget in US dollars", width=12),
    Column("coverage", "string", "national, regional, global or interregional", enum=COVERAGES, width=12),
    Column("status", "string", "active or completed", enum=STATUSES, width=10),
    Column("year", "integer", "the year of the allocation", width=7),
    Column("start_year", "integer", "the start year", width=7),
    Column("end_year", "integer", "the end year (old pages show placeholders: see the findings)", width=7),
    Column("duration_months", "integer", "the duration in months", width=7),
    Column("idf_region", "string", "the Fund's region", enum=REGIONS, width=16),
    Column("project_type", "string", "the canonical project type", width=22),
    Column("mission", "string", "ISO 3166-1 alpha-3 of the mission country (older pages)", pattern=_ISO3, width=7),
    Column("countries", "string", f"beneficiary countries' ISO alpha-3 codes in page order, '{LIST_SEPARATOR}'"
           "-separated", width=20),
    Column("countries_count", "integer", "how many beneficiary countries", required=True, width=7),
    Column("findings_error", "integer", "findings of severity error", required=True, width=7),
    Column("findings_warning", "integer", "findings of severity warning", required=True, width=7),
    Column("findings_info", "integer", "findings of severity info", required=True, width=7),
    Column("url_en", "string", "the English page's URL (or file path)", width=30),
    Column("url_fr", "string", "the French page's URL (or file path)", width=30),
    Column("url_es", "string", "the Spanish page's URL (or file path)", width=30),
    Column("updated_at", "datetime", "when the merged record last changed (UTC)", required=True, width=20),
)

BENEFICIARY_COLUMNS: tuple[Column, ...] = (
    Column("project", "integer", "the project's row id (projects.id)", required=True, width=8),
    Column("project_id", "string", "the Fund's Project ID", width=11),
    Column("position", "integer", "order on the page, from 0", required=True, width=8),
    Column("iso3", "string", "ISO 3166-1 alpha-3 (XKX for Kosovo)", required=True, pattern=_ISO3, width=6),
    Column("country", "string", "the country's English name (CLDR)", width=24),
    Column("name", "string", "the name as written on the page", required=True, width=24),
    Column("eligible", "boolean", "true for an eligible Member State, false for one listed as not eligible",
           required=True, width=8),
    Column("lang", "string", "the language version the list was taken from", enum=_LANG, width=6),
)

FINDING_COLUMNS: tuple[Column, ...] = (
    Column("id", "integer", "the finding's row id in this store", required=True, width=6),
    Column("project", "integer", "the project's row id (projects.id)", required=True, width=8),
    Column("project_id", "string", "the Fund's Project ID", width=11),
    Column("rule", "string", "the rule's id (fundatlas check --list-rules)", required=True, width=30),
    Column("severity", "string", "error, warning or info", required=True, enum=SEVERITIES, width=9),
    Column("field", "string", "the field the finding is about", width=14),
    Column("message", "string", "what the rule found", required=True, width=80),
    Column("lang", "string", "the language version the finding refers to", enum=_LANG, width=6),
)


def project_reference(detail: dict[str, Any]) -> str:
    """A project's identifier for people: its Project ID, else its PRIMA ID, else its store key."""
    return str(detail.get("project_id") or detail.get("prima_id") or detail["key"])


def _text(detail: dict[str, Any], lang: str, name: str) -> str | None:
    value = detail.get("texts", {}).get(lang, {}).get(name)
    return str(value) if value else None


def _joined(values: list[str]) -> str | None:
    return LIST_SEPARATOR.join(values) if values else None


def project_rows(detail: dict[str, Any]) -> Iterator[list[Value]]:
    severities = [finding["severity"] for finding in detail.get("findings", [])]
    countries = [b["iso3"] for b in detail.get("beneficiaries", [])]
    yield [
        detail["id"],
        detail.get("project_id"),
        detail.get("prima_id"),
        detail["key"],
        detail.get("title"),
        *(_text(detail, lang, "title") for lang in LANGS),
        _joined(list(detail.get("languages", []))),
        detail.get("budget_usd"),
        detail.get("coverage"),
        detail.get("status"),
        detail.get("year"),
        detail.get("start_year"),
        detail.get("end_year"),
        detail.get("duration_months"),
        detail.get("idf_region"),
        detail.get("project_type"),
        detail.get("mission"),
        _joined(countries),
        len(countries),
        *(severities.count(severity) for severity in SEVERITIES),
        *(_text(detail, lang, "url") for lang in LANGS),
        detail.get("updated_at"),
    ]


def beneficiary_rows(detail: dict[str, Any]) -> Iterator[list[Value]]:
    for beneficiary in detail.get("beneficiaries", []):
        yield [
            detail["id"],
            detail.get("project_id"),
            beneficiary["position"],
            beneficiary["iso3"],
            country_name(beneficiary["iso3"], "en"),
            beneficiary["name"],
            bool(beneficiary["eligible"]),
            beneficiary.get("lang"),
        ]


def finding_rows(detail: dict[str, Any]) -> Iterator[list[Value]]:
    for finding in detail.get("findings", []):
        yield [
            finding["id"],
            detail["id"],
            detail.get("project_id"),
            finding["rule"],
            finding["severity"],
            finding.get("field"),
            finding["message"],
            finding.get("lang"),
        ]


TABLES: dict[str, Table] = {
    "projects": Table("projects", "Projects", PROJECT_COLUMNS, ("id",), project_rows),
    "beneficiaries": Table("beneficiaries", "Beneficiary countries", BENEFICIARY_COLUMNS, ("project", "position"),
                           beneficiary_rows, foreign_key="project"),
    "findings": Table("findings", "Findings of the Fund's rules", FINDING_COLUMNS, ("id",), finding_rows,
                      foreign_key="project"),
}
