"""The checks: one project against the rules, and the language versions of one project."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from fundatlas.model import LANGUAGES, Beneficiary, Finding, Project, Span
from fundatlas.rules.data import _RANK, RULES, _alpha2_to_alpha3, _inferred_max, _pattern, _periods, _usd
from fundatlas.vocab import vocabulary


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        number = math.inf if value > 0 else -math.inf
    return None if math.isnan(number) else number


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = (value if isinstance(value, str) else str(value)).strip()
    return text or None


def _beneficiaries(project: Project) -> list[Beneficiary]:
    listed = project.beneficiaries
    if not isinstance(listed, list | tuple):
        return []
    return [b for b in listed if isinstance(b, Beneficiary)]


def _iso3(beneficiary: Beneficiary) -> str:
    return beneficiary.iso3 if isinstance(beneficiary.iso3, str) else str(beneficiary.iso3)


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set | frozenset | dict):
        return len(value) == 0
    return False


def _span(project: Project, field: str | None) -> Span | None:
    provenance = project.provenance
    if field is None or not isinstance(provenance, dict):
        return None
    span = provenance.get(field)
    return span if isinstance(span, Span) else None


def _period_year(project: Project) -> int | None:
    for name in RULES["budget.ceiling"].params["period_year_from"]:
        year = _int(getattr(project, str(name), None))
        if year is not None:
            return year
    return None


def _milder(severity: str, evidence: str) -> str:
    """``severity``, softened to the data's ceiling for rules built on inferred facts."""
    cap = _inferred_max()
    if evidence == "inferred" and _RANK.get(severity, 0) < _RANK[cap]:
        return cap
    return severity


# --- single-project rules ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Context:
    project: Project
    lang: str | None

    def finding(self, rule_id: str, message: str, field: str | None, severity: str | None = None) -> Finding:
        rule = RULES[rule_id]
        return Finding(
            rule=rule_id,
            severity=_milder(severity or rule.severity, rule.evidence),
            message=message,
            field=field,
            source=rule.source,
            span=_span(self.project, field),
            lang=self.lang,
        )


def _budget_ceiling(ctx: _Context) -> Iterator[Finding]:
    params = RULES["budget.ceiling"].params
    budget = _number(ctx.project.budget_usd)
    coverage = _text(ctx.project.coverage)
    year = _period_year(ctx.project)
    ceiling_kind = params["coverage_ceiling"].get(coverage) if coverage else None
    if budget is None or year is None or ceiling_kind is None:
        return
    period = next((p for p in _periods() if p.first <= year and (p.last is None or year <= p.last)), None)
    if period is None or period.ceilings is None or ceiling_kind not in period.ceilings:
        return
    limits = period.ceilings[ceiling_kind]
    what = f"for a {coverage} project" + ("" if coverage == ceiling_kind else f" ({ceiling_kind} ceiling applied)")
    note = " (ceiling inferred from observed budgets)" if period.evidence == "inferred" else ""
    factor = float(params["far_above_factor"])
    if limits.max is not None and budget > limits.max * factor:
        yield ctx.finding(
            "budget.ceiling",
            f"budget_usd {_usd(budget)} USD is more than {factor:g} times the {period.label} ceiling of "
            f"{_usd(float(limits.max))} USD {what}{note}",
            "budget_usd",
            _milder(str(params["severity_far_above"]), period.evidence),
        )
    elif limits.max is not None and budget > limits.max:
        yield ctx.finding(
            "budget.ceiling",
            f"budget_usd {_usd(budget)} USD is above the {period.label} ceiling of "
            f"{_usd(float(limits.max))} USD {what}{note}",
            "budget_usd",
            _milder(str(params["severity_above"]), period.evidence),
        )
    elif limits.min is not None and budget < limits.min:
        yield ctx.finding(
            "budget.ceiling",
            f"budget_usd {_usd(budget)} USD is below the {period.label} minimum of "
            f"{_usd(float(limits.min))} USD {what}{note}",
            "budget_usd",
            str(params["severity_below_min"]),
        )


def _regional(ctx: _Context) -> Iterator[Finding]:
    coverage = _text(ctx.project.coverage)
    listed = _beneficiaries(ctx.project)
    if not listed:
        return  # nothing listed: required.missing says so
    eligible = [b for b in listed if b.eligible is True]
    names = ", ".join(_iso3(b) for b in eligible) or "none"
    minimum = RULES["regional.min_eligible"].params
    if coverage in minimum["coverages"] and len(eligible) < int(minimum["min_eligible"]):
        yield ctx.finding(
            "regional.min_eligible",
            f"beneficiaries of this {coverage} project list {len(eligible)} eligible Member State(s) "
            f"({names}); at least {minimum['min_eligible']} are required",
            "beneficiaries",
        )
    majority = RULES["regional.eligible_majority"].params
    if coverage in majority["coverages"] and 2 * len(eligible) <= len(listed):
        yield ctx.finding(
            "regional.eligible_majority",
            f"beneficiaries of this {coverage} project: {len(eligible)} eligible of {len(listed)} listed "
            f"({names}); eligible Member States must be more than half",
            "beneficiaries",
        )
    national = RULES["national.one_beneficiary"].params
    if coverage in national["coverages"] and len(listed) != int(national["count"]):
        yield ctx.finding(
            "national.one_beneficiary",
            f"beneficiaries of this national project list {len(listed)} countries "
            f"({', '.join(_iso3(b) for b in listed)}); a national project has {national['count']}",
            "beneficiaries",
        )


def _dates(ctx: _Context) -> Iterator[Finding]:
    year, start, end = _int(ctx.project.year), _int(ctx.project.start_year), _int(ctx.project.end_year)
    if start is not None and end is not None and end < start:
        yield ctx.finding("dates.end_before_start", f"end_year {end} is before start_year {start}", "end_year")
    if year is not None and end is not None and year > end:
        yield ctx.finding("dates.allocation_after_end", f"year (allocation) {year} is after end_year {end}", "year")
    gap = int(RULES["dates.allocation_far_from_start"].params["max_gap_years"])
    if year is not None and start is not None and abs(start - year) > gap:
        yield ctx.finding(
            "dates.allocation_far_from_start",
            f"start_year {start} is {abs(start - year)} years from year (allocation) {year}; "
            f"more than {gap} is unusual",
            "year",
        )


def _placeholder_end_year(ctx: _Context) -> Iterator[Finding]:
    params = RULES["dates.placeholder_end_year"].params
    end = _int(ctx.project.end_year)
    if end is None or end != int(params["placeholder_end_year"]):
        return
    year, start = _int(ctx.project.year), _int(ctx.project.start_year)
    cutoff = int(params["cutoff_year"])
    early = [
        f"{name} {value}"
        for name, value in (("year", year), ("start_year", start))
        if value is not None and value <= cutoff
    ]
    reason = f"{' and '.join(early)} (≤ {cutoff})" if early else None
    project_id = _text(ctx.project.project_id)
    undated = year is None and start is None
    if undated and project_id and _pattern(params["legacy_id_pattern"]).fullmatch(project_id):
        reason = f"the 1035 Facility (2001–2007) project_id {project_id}"
    if reason is not None:
        yield ctx.finding(
            "dates.placeholder_end_year",
            f"placeholder end date: end_year {end} with {reason} is the "
            "placeholder old FR/ES pages show; the real end year is not stated",
            "end_year",
        )
    elif undated:
        yield ctx.finding(
            "dates.placeholder_end_year",
            f"possible placeholder end date: end_year {end} with neither year nor start_year stated, "
            "as on the pages of old projects",
            "end_year",
            str(params["undated_severity"]),
        )


def _ids(ctx: _Context) -> Iterator[Finding]:
    project_id = _text(ctx.project.project_id)
    patterns = RULES["ids.project_id_shape"].params["patterns"]
    if project_id is not None and not any(_pattern(p).fullmatch(project_id) for p in patterns.values()):
        yield ctx.finding(
            "ids.project_id_shape",
            f"project_id {project_id!r} matches no known shape ({', '.join(patterns.values())})",
            "project_id",
        )
    yield from _prefix_type(ctx, project_id)
    prima_id = _text(ctx.project.prima_id)
    prima_pattern = str(RULES["ids.prima_id_shape"].params["pattern"])
    if prima_id is not None and not _pattern(prima_pattern).fullmatch(prima_id):
        yield ctx.finding("ids.prima_id_shape", f"prima_id {prima_id!r} does not match {prima_pattern}", "prima_id")
    yield from _prima_office(ctx, prima_id)


def _prefix_type(ctx: _Context, project_id: str | None) -> Iterator[Finding]:
    params = RULES["ids.project_id_prefix_type"].params
    project_type = _text(ctx.project.project_type)
    if project_id is None or project_type is None:
        return
    if not _pattern(params["modern_pattern"]).fullmatch(project_id):
        return
    types, skip = vocabulary().types, set(params["skip_prefix_evidence"])
    prefix = project_id[: int(params["prefix_length"])]
    id_type_code = vocabulary().type_by_prefix.get(prefix)
    id_type = types.get(id_type_code) if id_type_code else None
    own = types.get(project_type)
    if id_type is None or own is None or own.prefix is None:
        return  # unknown prefix, unknown type, or a type without a known prefix
    if id_type.prefix_evidence in skip or own.prefix_evidence in skip or own.prefix == prefix:
        return
    yield ctx.finding(
        "ids.project_id_prefix_type",
        f"project_id {project_id} has prefix {prefix}, which stands for {id_type.code} "
        f"({id_type.prefix_evidence}), but project_type is {project_type}, whose prefix is "
        f"{own.prefix} ({own.prefix_evidence})",
        "project_id",
    )


def _prima_office(ctx: _Context, prima_id: str | None) -> Iterator[Finding]:
    params = RULES["ids.prima_office_not_beneficiary"].params
    listed = _beneficiaries(ctx.project)
    if prima_id is None or not listed or not _pattern(params["pattern"]).fullmatch(prima_id):
        return
    office = prima_id[: int(params["office_chars"])]
    alpha3 = _alpha2_to_alpha3().get(office)
    codes = sorted({_iso3(b) for b in listed})
    if alpha3 is not None and alpha3 not in codes:
        yield ctx.finding(
            "ids.prima_office_not_beneficiary",
            f"prima_id {prima_id}: office letters {office} ({alpha3}) name none of the beneficiaries "
            f"({', '.join(codes)}); they are read as the managing IOM office, which need not benefit",
            "prima_id",
        )


def _required(ctx: _Context) -> Iterator[Finding]:
    params = RULES["required.missing"].params
    year = _period_year(ctx.project)
    absent_from = int(params["project_id_absent_from_year"])
    for name in params["fields"]:
        field = str(name)
        if field == "project_id" and year is not None and year >= absent_from:
            continue  # pages of projects allocated from 2024 show no project ID
        if _is_missing(getattr(ctx.project, field, None)):
            extra = f" (expected on projects allocated before {absent_from})" if field == "project_id" else ""
            yield ctx.finding("required.missing", f"{field} is missing{extra}", field)


_CHECKS: tuple[Callable[[_Context], Iterable[Finding]], ...] = (
    _required,
    _budget_ceiling,
    _regional,
    _dates,
    _placeholder_end_year,
    _ids,
)


def check(project: Project, lang: str | None = None) -> list[Finding]:
    """Every single-project rule of ``vocab/rules.json`` run on ``project``; ``lang`` tags the findings."""
    ctx = _Context(project, lang)
    return [finding for rule_check in _CHECKS for finding in rule_check(ctx)]


# --- language versions -------------------------------------------------------------------------


def _comparable(project: Project, field: str) -> object:
    if field == "eligible_beneficiaries":
        listed = _beneficiaries(project)
        return frozenset(_iso3(b) for b in listed if b.eligible is True) if listed else None
    value = getattr(project, field, None)
    if field == "budget_usd":
        number = _number(value)
        return None if number is None else round(number, 2)
    if field.endswith("year"):
        return _int(value)
    return _text(value)


def _shown(value: object) -> str:
    if value is None:
        return "not stated"
    if isinstance(value, frozenset):
        return "{" + ", ".join(sorted(value)) + "}" if value else "{}"
    if isinstance(value, float):
        return f"{_usd(value)} USD"
    return str(value)


def _lang_order(lang: str) -> tuple[int, str]:
    return (LANGUAGES.index(lang) if lang in LANGUAGES else len(LANGUAGES), lang)


def check_versions(versions: Mapping[str, Project]) -> list[Finding]:
    """A finding per field whose value differs between the language versions (lang → record) of a project."""
    rule = RULES["languages.disagree"]
    placeholder = int(RULES["dates.placeholder_end_year"].params["placeholder_end_year"])
    langs = sorted(versions, key=_lang_order)
    findings = []
    for name in rule.params["fields"]:
        field = str(name)
        values = {lang: _comparable(versions[lang], field) for lang in langs}
        distinct = {value for value in values.values() if value is not None}
        if len(distinct) < 2:
            continue
        label = "eligible beneficiary iso3 codes" if field == "eligible_beneficiaries" else field
        message = f"{label} differs between language versions: " + ", ".join(
            f"{lang} {_shown(value)}" for lang, value in values.items()
        )
        if field == "end_year" and placeholder in distinct:
            on = ", ".join(lang for lang, value in values.items() if value == placeholder)
            if any(isinstance(v, int) and v < placeholder for v in distinct):
                message += f" ({placeholder} on {on} is probably the placeholder end date of old pages)"
        findings.append(
            Finding(
                rule=rule.id,
                severity=rule.severity,
                message=message,
                field="beneficiaries" if field == "eligible_beneficiaries" else field,
                source=rule.source,
            )
        )
    return findings


# --- identity and docs --------------------------------------------------------------------------


def identity_finding(project: Project, key_kind: str) -> Finding | None:
    """The ``identity.fallback_key`` finding when ``project`` had to be keyed by title and year."""
    rule = RULES["identity.fallback_key"]
    if key_kind != rule.params["fallback_kind"]:
        return None
    title, year = _text(project.title), _period_year(project)
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        message=f"no project_id or prima_id: the project is keyed by title and year ({title!r}, {year}), "
        "so its language versions cannot be joined by ID",
        field="project_id",
        source=rule.source,
    )
