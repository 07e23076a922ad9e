"""Raw fields to a normalized ``Project``: numbers, canonical codes and ISO country codes."""

from __future__ import annotations

from collections.abc import Callable

from fundatlas.model import Beneficiary, Project, RawPage, Span
from fundatlas.normalize.codes import coverage_code, region_code, status_code, type_code
from fundatlas.normalize.countries import lookup_country, segment_countries
from fundatlas.normalize.numbers import parse_amount, parse_duration, parse_year
from fundatlas.vocab import vocabulary

_FIELD_NAMES = {
    "title": "title",
    "project_id": "project ID",
    "prima_id": "PRIMA ID",
    "budget_usd": "budget",
    "year": "year",
    "start_year": "start year",
    "end_year": "end year",
    "duration_months": "duration",
    "status": "status",
    "coverage": "coverage",
    "idf_region": "IDF region",
    "project_type": "project type",
    "mission": "mission",
}


def _clean(value: str) -> str:
    return " ".join(value.split())


def normalize(page: RawPage) -> tuple[Project, list[str]]:
    """A ``Project`` from what the parser read, and warnings for values that could not be read."""
    project = Project()
    warnings: list[str] = []
    fields = page.fields
    provenance: dict[str, Span] = {}

    def number(name: str, convert: Callable[[str], float | int | None]) -> None:
        raw = fields.get(name)
        if raw is None:
            return
        value = convert(raw.value)
        if value is None:
            warnings.append(f"{_FIELD_NAMES[name]}: {raw.value!r} is not a number this field can hold")
            return
        setattr(project, name, value)
        provenance[name] = raw.span

    for name in ("title", "project_id", "prima_id"):
        raw = fields.get(name)
        if raw is None:
            continue
        cleaned = _clean(raw.value)
        if cleaned:
            setattr(project, name, cleaned)
            provenance[name] = raw.span
    if "description" in fields:
        project.description = fields["description"].value.strip()
        provenance["description"] = fields["description"].span

    number("budget_usd", parse_amount)
    for name in ("year", "start_year", "end_year"):
        number(name, parse_year)
    units = vocabulary().duration_units
    number("duration_months", lambda value: parse_duration(value, units))

    coded: tuple[tuple[str, str | None, Callable[[str], str | None]], ...] = (
        ("status", "status_label", status_code),
        ("coverage", None, coverage_code),
        ("idf_region", "idf_region_label", region_code),
        ("project_type", "project_type_label", type_code),
    )
    for name, label_name, to_code in coded:
        raw = fields.get(name)
        if raw is None:
            continue
        label = _clean(raw.value)
        code = to_code(label)
        if label_name is not None:
            setattr(project, label_name, label)
            provenance[label_name] = raw.span
        if code is not None:
            setattr(project, name, code)
            provenance[name] = raw.span
        elif name != "project_type":
            warnings.append(f"{_FIELD_NAMES[name]}: {label!r} is not a known value")

    mission = fields.get("mission")
    if mission is not None:
        iso3 = lookup_country(_clean(mission.value))
        if iso3 is None:
            warnings.append(f"mission: {mission.value!r} matches no country")
        else:
            project.mission = iso3
            provenance["mission"] = mission.span

    project.beneficiaries, span = _beneficiaries(page, warnings)
    if span is not None:
        provenance["beneficiaries"] = span
    project.provenance = provenance
    return project, warnings


def _beneficiaries(page: RawPage, warnings: list[str]) -> tuple[list[Beneficiary], Span | None]:
    seen: dict[str, Beneficiary] = {}
    ordered: list[Beneficiary] = []
    start, end = None, None
    for line in page.beneficiary_lines:
        offset = line.field.span.start  # where the line is: the matches' offsets are in the line
        matches, leftovers = segment_countries(line.field.value)
        for word in leftovers:
            warnings.append(f"beneficiaries: {word!r} matches no country and was not kept")
        for match in matches:
            start = match.start + offset if start is None else min(start, match.start + offset)
            end = match.end + offset if end is None else max(end, match.end + offset)
            if match.iso3 in seen:
                warnings.append(f"beneficiaries: {match.name!r} ({match.iso3}) is listed twice; kept once")
                continue
            beneficiary = Beneficiary(match.iso3, _clean(match.name), line.eligible)
            seen[match.iso3] = beneficiary
            ordered.append(beneficiary)
    span = Span(start, end) if start is not None and end is not None else None
    return ordered, span
