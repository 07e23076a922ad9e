"""Pure functions that turn the language versions of one project into one merged record.

* Identity: a project is keyed by its project ID, else its PRIMA ID, else (a declared fallback
  that the rules report as ``identity.fallback_key``) its folded title and year.
* Merging: each canonical field is taken from the first language version, in
  ``LANGUAGE_PREFERENCE`` order, that states it. English comes first because the old French and
  Spanish pages show a placeholder end year (2024) where the English ones give the real dates
  (``shared/research/idf-rules.md`` §3.6). Values that differ between versions are never merged
  silently: ``rules.check_versions`` reports them as ``languages.disagree`` findings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fundatlas.model import Beneficiary, Project, Span
from fundatlas.text import fold

#: Which language version wins where versions disagree (the others are kept in ``records``).
LANGUAGE_PREFERENCE = ("en", "fr", "es")

#: Merged fields of a ``projects`` row (besides the identity and the title).
MERGED_FIELDS = (
    "project_id",
    "prima_id",
    "budget_usd",
    "coverage",
    "status",
    "year",
    "start_year",
    "end_year",
    "duration_months",
    "idf_region",
    "project_type",
    "mission",
)

#: Per-language texts kept in ``project_texts``.
TEXT_FIELDS = ("title", "description", "status_label", "project_type_label", "idf_region_label")

KEY_KINDS = ("project_id", "prima_id", "fallback")
MAX_KEY_LENGTH = 400
_FALLBACK_TITLE_CHARS = 300


@dataclass(frozen=True, slots=True)
class Identity:
    key: str
    kind: str  # project_id | prima_id | fallback


def clean_id(value: str | None) -> str | None:
    """An ID as compared across pages: trimmed, upper case; None when empty."""
    if value is None:
        return None
    cleaned = "".join(value.split()).upper()
    return cleaned or None


def identity_of(project: Project, *, locator: str) -> Identity:
    """The key one page's project is filed under (``locator`` names the page for the last resort)."""
    project_id = clean_id(project.project_id)
    if project_id:
        return Identity(f"project_id:{project_id}", "project_id")
    prima_id = clean_id(project.prima_id)
    if prima_id:
        return Identity(f"prima_id:{prima_id}", "prima_id")
    title = fold(project.title or "")[:_FALLBACK_TITLE_CHARS]
    year = project.year if project.year is not None else project.start_year
    if title:
        return Identity(f"fallback:{title}|{year if year is not None else ''}", "fallback")
    # No ID and no title: the page itself is the only identity left.
    return Identity(f"fallback:page:{locator}"[:MAX_KEY_LENGTH], "fallback")


def language_order(lang: str) -> tuple[int, str]:
    """Sort key putting languages in ``LANGUAGE_PREFERENCE`` order, others after, alphabetically."""
    rank = LANGUAGE_PREFERENCE.index(lang) if lang in LANGUAGE_PREFERENCE else len(LANGUAGE_PREFERENCE)
    return (rank, lang)


def ordered_languages(versions: Mapping[str, Project]) -> list[str]:
    return sorted(versions, key=language_order)


@dataclass(frozen=True, slots=True)
class Merged:
    """One project's merged record: canonical fields, display title and beneficiary list."""

    fields: dict[str, Any]
    title: str | None
    languages: tuple[str, ...]
    beneficiaries: tuple[Beneficiary, ...]
    beneficiaries_lang: str | None

    def as_project(self) -> Project:
        """The merged record as a ``Project`` (for the rules' identity check)."""
        project = Project(title=self.title, beneficiaries=list(self.beneficiaries))
        for name, value in self.fields.items():
            setattr(project, name, value)
        return project


def merge(versions: Mapping[str, Project]) -> Merged:
    """Merge the language versions (lang → project) of one project."""
    langs = ordered_languages(versions)
    fields: dict[str, Any] = {}
    for name in MERGED_FIELDS:
        fields[name] = next((getattr(versions[lang], name) for lang in langs
                             if getattr(versions[lang], name) is not None), None)
    title = next((versions[lang].title for lang in langs if versions[lang].title), None)
    with_list = next((lang for lang in langs if versions[lang].beneficiaries), None)
    listed = tuple(versions[with_list].beneficiaries) if with_list is not None else ()
    return Merged(fields, title, tuple(langs), listed, with_list)


# --- records <-> projects -----------------------------------------------------------------------


def project_from_dict(data: Mapping[str, Any]) -> Project:
    """The inverse of ``Project.to_dict`` (a record's ``project`` object back to a ``Project``)."""
    project = Project()
    for name in ("title", "project_id", "prima_id", "status", "status_label", "project_type",
                 "project_type_label", "coverage", "idf_region", "idf_region_label", "mission", "description"):
        value = data.get(name)
        setattr(project, name, value if isinstance(value, str) else None)
    budget = data.get("budget_usd")
    project.budget_usd = float(budget) if isinstance(budget, int | float) and not isinstance(budget, bool) else None
    for name in ("year", "start_year", "end_year", "duration_months"):
        value = data.get(name)
        setattr(project, name, value if isinstance(value, int) and not isinstance(value, bool) else None)
    project.beneficiaries = [
        Beneficiary(str(item["iso3"]), str(item.get("name", "")), bool(item.get("eligible", True)))
        for item in data.get("beneficiaries") or []
        if isinstance(item, Mapping) and item.get("iso3")
    ]
    project.provenance = {
        str(name): Span(int(span["start"]), int(span["end"]))
        for name, span in (data.get("provenance") or {}).items()
        if isinstance(span, Mapping) and "start" in span and "end" in span
    }
    return project
