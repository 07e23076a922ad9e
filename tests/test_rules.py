"""The Fund's rules (fundatlas.rules and vocab/rules.json): each rule triggered and not triggered."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fundatlas.model import PROJECT_KEYS, SEVERITIES, Beneficiary, Finding, Project, Span
from fundatlas.rules import RULES, Rule, check, check_versions, identity_finding, rule_table_markdown
from fundatlas.rules import checks as rules_checks
from fundatlas.rules import data as rules_data
from fundatlas.vocab import vocabulary

EXPECTED_RULES = {
    "budget.ceiling",
    "regional.min_eligible",
    "regional.eligible_majority",
    "national.one_beneficiary",
    "dates.end_before_start",
    "dates.allocation_after_end",
    "dates.allocation_far_from_start",
    "dates.placeholder_end_year",
    "ids.project_id_shape",
    "ids.project_id_prefix_type",
    "ids.prima_id_shape",
    "ids.prima_office_not_beneficiary",
    "required.missing",
    "languages.disagree",
    "identity.fallback_key",
}

SPANS = {
    "title": Span(0, 10),
    "project_id": Span(20, 27),
    "prima_id": Span(30, 39),
    "budget_usd": Span(40, 49),
    "coverage": Span(50, 58),
    "year": Span(60, 64),
    "start_year": Span(70, 74),
    "end_year": Span(80, 84),
    "beneficiaries": Span(90, 100),
}


def country(iso3: str, eligible: bool = True) -> Beneficiary:
    return Beneficiary(iso3, iso3.title(), eligible)


def make(**changes: Any) -> Project:
    """A clean 2023 national project (no findings); ``changes`` override its fields."""
    fields: dict[str, Any] = {
        "title": "Mauritanie : Facilitation de l'inclusion des migrants",
        "project_id": "IS.0133",
        "prima_id": "MR10P0564",
        "status": "active",
        "project_type": "integration_social_cohesion",
        "budget_usd": 300000.0,
        "coverage": "national",
        "year": 2023,
        "start_year": 2023,
        "end_year": 2025,
        "idf_region": "africa",
        "beneficiaries": [country("MRT")],
        "provenance": dict(SPANS),
    }
    fields.update(changes)
    return Project(**fields)


def regional(*beneficiaries: Beneficiary, **changes: Any) -> Project:
    fields: dict[str, Any] = {
        "coverage": "regional",
        "project_id": "LM.0485",
        "project_type": "labour_migration",
        "prima_id": "FJ10P0514",
        "budget_usd": 400000.0,
        "beneficiaries": list(beneficiaries),
    }
    return make(**{**fields, **changes})


def ids(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


def only(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def test_clean_project_has_no_findings() -> None:
    assert check(make()) == []


# --- the data -----------------------------------------------------------------------------------


def test_rules_data_lists_every_rule_once_with_valid_levels() -> None:
    assert set(RULES) == EXPECTED_RULES
    for rule in RULES.values():
        assert rule.severity in SEVERITIES
        assert rule.evidence in ("sourced", "seed", "inferred")
        assert rule.title and rule.source.startswith("idf-rules.md §")
        if rule.evidence == "inferred":
            assert rule.severity != "error", rule.id


def test_rules_data_numbers() -> None:
    periods = {p["label"]: p for p in RULES["budget.ceiling"].params["periods"]}
    assert periods["2001–2007"]["ceilings"] is None
    assert periods["2008–2018"]["ceilings"]["national"] == {"min": 50000, "max": 200000}
    assert periods["2008–2018"]["ceilings"]["regional"] == {"min": 100000, "max": 300000}
    assert periods["2019+"]["ceilings"]["national"]["max"] == 300000
    assert periods["2019+"]["ceilings"]["regional"]["max"] == 400000
    assert RULES["budget.ceiling"].params["far_above_factor"] == 1.5
    placeholder = RULES["dates.placeholder_end_year"].params
    assert (placeholder["placeholder_end_year"], placeholder["cutoff_year"]) == (2024, 2018)
    assert RULES["dates.allocation_far_from_start"].params["max_gap_years"] == 2
    assert RULES["ids.prima_id_shape"].params["pattern"] == r"^[A-Z]{2}\d{2}P\d{4}$"
    assert set(RULES["ids.project_id_shape"].params["patterns"].values()) == {
        r"^[A-Z]{2}\.\d{4}$",
        r"^[A-Z0-9]{3}-805$",
    }


def test_an_inferred_rule_cannot_be_an_error() -> None:
    rule = Rule("x.y", "error", "t", "inferred", "idf-rules.md §1", (), {})
    assert rules_data._rule_problem(rule, {}) is not None
    assert rules_data._rule_problem(dataclasses.replace(rule, severity="warning"), {}) is None
    assert rules_data._rule_problem(dataclasses.replace(rule, severity="fatal"), {}) is not None
    assert rules_data._rule_problem(dataclasses.replace(rule, evidence="guess"), {}) is not None
    loose = dataclasses.replace(rule, severity="warning", params={"severity_far_above": "error"})
    assert rules_data._rule_problem(loose, {}) is not None
    assert rules_data._rule_problem(dataclasses.replace(loose, params={"undated_severity": "info"}), {}) is None


def test_rule_table_markdown_has_a_row_per_rule() -> None:
    table = rule_table_markdown()
    lines = table.strip().splitlines()
    assert lines[0] == "| id | severity | what it checks | evidence | source |"
    assert len(lines) == 2 + len(RULES)
    for rule in RULES.values():
        assert f"| `{rule.id}` | {rule.severity} |" in table


def test_ceiling_table_markdown() -> None:
    table = rules_data.ceiling_table_markdown()
    assert "| 2008–2018 | 50,000–200,000 | 100,000–300,000 | sourced |" in table
    assert "| 2019+ | max 300,000 | max 400,000 | inferred |" in table
    assert "| 2001–2007 | no ceiling | no ceiling |" in table


# --- budget.ceiling -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "coverage", "budget", "severity"),
    [
        (2018, "national", 200000, None),  # exactly at the ceiling
        (2018, "national", 200001, "warning"),  # 1 USD above
        (2018, "national", 300000, "warning"),  # exactly 1.5 x
        (2018, "national", 300001, "error"),  # above 1.5 x
        (2018, "national", 50000, None),  # exactly at the minimum
        (2018, "national", 49999, "info"),
        (2008, "regional", 300000, None),
        (2008, "regional", 300001, "warning"),
        (2008, "regional", 450001, "error"),
        (2008, "regional", 99999, "info"),
        (2019, "national", 300000, None),
        (2019, "national", 300001, "warning"),
        (2019, "national", 250000, None),  # fine from 2019, above the 2008-2018 ceiling
        (2018, "national", 250000, "warning"),
        (2019, "regional", 400000, None),
        (2019, "regional", 400001, "warning"),
        (2019, "regional", 10000, None),  # no minimum known from 2019
        (2019, "regional", 1000000, "warning"),  # far above, but the 2019+ ceiling is inferred
        (2007, "national", 1000000, None),  # 1035 Facility: no ceiling
        (2001, "regional", 10, None),
        (2000, "national", 1000000, None),  # before the Fund
    ],
)
def test_budget_ceiling(year: int, coverage: str, budget: float, severity: str | None) -> None:
    project = make(year=year, start_year=year, end_year=year + 2, coverage=coverage, budget_usd=float(budget))
    if coverage == "regional":
        project.beneficiaries = [country("FJI"), country("TON")]
    found = only(check(project), "budget.ceiling")
    assert [f.severity for f in found] == ([severity] if severity else [])
    if found:
        assert found[0].field == "budget_usd"
        assert found[0].span == SPANS["budget_usd"]
        assert found[0].source == RULES["budget.ceiling"].source


def test_budget_ceiling_message() -> None:
    project = regional(country("FJI"), country("TON"), budget_usd=450000.0)
    (finding,) = only(check(project), "budget.ceiling")
    assert finding.message.startswith(
        "budget_usd 450,000 USD is above the 2019+ ceiling of 400,000 USD for a regional project"
    )
    far = make(year=2015, start_year=2015, end_year=2017, budget_usd=400000.0)
    (finding,) = only(check(far), "budget.ceiling")
    assert finding.severity == "error"
    assert "more than 1.5 times the 2008–2018 ceiling of 200,000 USD for a national project" in finding.message


def test_budget_period_from_start_year_when_year_missing() -> None:
    project = make(year=None, start_year=2015, end_year=2017, budget_usd=250000.0)
    assert [f.severity for f in only(check(project), "budget.ceiling")] == ["warning"]
    unknown = make(year=None, start_year=None, end_year=None, budget_usd=9e9)
    assert only(check(unknown), "budget.ceiling") == []


@pytest.mark.parametrize("coverage", ["global", "interregional"])
def test_budget_global_and_interregional_use_the_regional_ceiling(coverage: str) -> None:
    at = make(coverage=coverage, budget_usd=400000.0, beneficiaries=[country("FJI"), country("TON")])
    assert only(check(at), "budget.ceiling") == []
    above = dataclasses.replace(at, budget_usd=400001.0)
    (finding,) = only(check(above), "budget.ceiling")
    assert f"for a {coverage} project (regional ceiling applied)" in finding.message


def test_budget_unknown_coverage_is_not_checked() -> None:
    assert only(check(make(coverage=None, budget_usd=9e9)), "budget.ceiling") == []
    assert only(check(make(coverage="somewhere", budget_usd=9e9)), "budget.ceiling") == []


# --- beneficiaries ------------------------------------------------------------------------------


def test_regional_needs_two_eligible() -> None:
    found = check(regional(country("FJI")))
    assert ids(found) == ["regional.min_eligible"]
    assert found[0].span == SPANS["beneficiaries"] and found[0].field == "beneficiaries"
    assert "1 eligible" in found[0].message
    assert check(regional(country("FJI"), country("TON"))) == []


def test_regional_needs_an_eligible_majority() -> None:
    half = regional(country("FJI"), country("TON"), country("AUS", False), country("NZL", False))
    assert ids(check(half)) == ["regional.eligible_majority"]
    majority = regional(country("FJI"), country("TON"), country("WSM"), country("AUS", False))
    assert check(majority) == []


def test_regional_with_no_eligible_breaks_both() -> None:
    found = check(regional(country("FJI", False), country("NZL", False)))
    assert ids(found) == ["regional.min_eligible", "regional.eligible_majority"]


def test_regional_rules_only_for_regional_coverage() -> None:
    project = make(coverage="global", beneficiaries=[country("MRT")], budget_usd=100000.0)
    assert ids(check(project)) == []


def test_national_has_one_beneficiary() -> None:
    found = check(make(beneficiaries=[country("MRT"), country("SEN")]))
    assert ids(found) == ["national.one_beneficiary"]
    assert found[0].severity == "warning" and "2 countries" in found[0].message
    assert check(make(beneficiaries=[country("MRT")])) == []


def test_national_with_no_beneficiaries_gives_only_required_missing() -> None:
    found = check(make(beneficiaries=[]))
    assert ids(found) == ["required.missing"]
    assert found[0].field == "beneficiaries"
    assert ids(check(regional())) == ["required.missing"]


# --- dates --------------------------------------------------------------------------------------


def test_end_before_start() -> None:
    found = check(make(start_year=2023, end_year=2022, year=2022))
    assert ids(found) == ["dates.end_before_start"]
    assert found[0].severity == "error" and found[0].span == SPANS["end_year"]
    assert found[0].message == "end_year 2022 is before start_year 2023"
    assert check(make(start_year=2023, end_year=2023)) == []


def test_allocation_after_end() -> None:
    found = check(make(year=2024, start_year=2023, end_year=2023, project_id="IS.0133"))
    assert ids(found) == ["dates.allocation_after_end"]
    assert found[0].field == "year" and found[0].span == SPANS["year"]
    assert check(make(year=2023, start_year=2022, end_year=2023)) == []


def test_allocation_far_from_start() -> None:
    found = check(make(year=2020, start_year=2023, end_year=2025))
    assert ids(found) == ["dates.allocation_far_from_start"]
    assert "3 years" in found[0].message
    assert check(make(year=2021, start_year=2023, end_year=2025)) == []  # a gap of exactly 2
    later = check(make(year=2023, start_year=2020, end_year=2025))
    assert ids(later) == ["dates.allocation_far_from_start"]


@pytest.mark.parametrize(
    ("year", "start_year", "expected"),
    [
        (None, 2012, True),
        (2018, None, True),
        (2018, 2019, True),
        (2019, 2019, False),
        (2019, None, False),
    ],
)
def test_placeholder_end_year(year: int | None, start_year: int | None, expected: bool) -> None:
    project = make(year=year, start_year=start_year, end_year=2024, budget_usd=150000.0)
    found = only(check(project), "dates.placeholder_end_year")
    assert bool(found) is expected
    if found:
        assert found[0].severity == "warning"
        assert found[0].message.startswith("placeholder end date")
        assert found[0].span == SPANS["end_year"]


def test_placeholder_legacy_id_and_undated() -> None:
    legacy = make(project_id="V57-805", project_type="tcmmcb", year=None, start_year=None, end_year=2024)
    legacy.budget_usd = 81675.0
    (finding,) = check(legacy)
    assert finding.rule == "dates.placeholder_end_year" and finding.severity == "warning"
    assert finding.message.startswith("placeholder end date") and "V57-805" in finding.message
    undated = make(project_id="LM.0321", project_type="labour_migration", year=None, start_year=None, end_year=2024)
    (finding,) = check(undated)
    assert finding.rule == "dates.placeholder_end_year" and finding.severity == "info"
    assert finding.message.startswith("possible placeholder end date")
    dated = make(project_id="V57-805", project_type="tcmmcb", year=2023, start_year=2023, end_year=2024)
    assert only(check(dated), "dates.placeholder_end_year") == []


def test_placeholder_needs_2024() -> None:
    project = make(year=2012, start_year=2012, end_year=2023, budget_usd=150000.0)
    assert only(check(project), "dates.placeholder_end_year") == []


# --- IDs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("project_id", ["IS.0133", "V57-805", "QU8-805", "T81-805"])
def test_project_id_known_shapes(project_id: str) -> None:
    assert only(check(make(project_id=project_id)), "ids.project_id_shape") == []


@pytest.mark.parametrize("project_id", ["IS-0133", "IS.133", "is.0133", "IS.0133x", "V57-806", "IS.٠١٣٣", "12345"])
def test_project_id_unknown_shape(project_id: str) -> None:
    (finding,) = only(check(make(project_id=project_id)), "ids.project_id_shape")
    assert finding.severity == "warning" and finding.span == SPANS["project_id"]
    assert repr(project_id) in finding.message


def test_project_id_prefix_against_type() -> None:
    (finding,) = check(make(project_id="LM.0485"))
    assert finding.rule == "ids.project_id_prefix_type" and finding.severity == "warning"
    assert "LM" in finding.message and "integration_social_cohesion" in finding.message
    assert finding.span == SPANS["project_id"]
    assert check(make(project_id="LM.0485", project_type="labour_migration")) == []


@pytest.mark.parametrize(
    ("project_id", "project_type"),
    [
        ("ZZ.0001", "integration_social_cohesion"),  # prefix of no known type
        ("LM.0485", None),
        ("LM.0485", "no_such_type"),
        ("V57-805", "labour_migration"),  # legacy IDs carry no type prefix
    ],
)
def test_project_id_prefix_not_checked(project_id: str, project_type: str | None) -> None:
    project = make(project_id=project_id, project_type=project_type)
    assert only(check(project), "ids.project_id_prefix_type") == []


def test_project_id_prefix_skips_types_without_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    real = vocabulary()
    types = dict(real.types)
    types["integration_social_cohesion"] = dataclasses.replace(types["integration_social_cohesion"], prefix=None)
    fake = dataclasses.replace(real, types=types)
    monkeypatch.setattr(rules_checks, "vocabulary", lambda: fake)
    assert only(check(make(project_id="LM.0485")), "ids.project_id_prefix_type") == []


def test_project_id_prefix_skips_unknown_evidence(monkeypatch: pytest.MonkeyPatch) -> None:
    real = vocabulary()
    types = dict(real.types)
    types["labour_migration"] = dataclasses.replace(types["labour_migration"], prefix_evidence="unknown")
    fake = dataclasses.replace(real, types=types)
    monkeypatch.setattr(rules_checks, "vocabulary", lambda: fake)
    assert only(check(make(project_id="LM.0485")), "ids.project_id_prefix_type") == []


@pytest.mark.parametrize("prima_id", ["MR10X0564", "MR10P056", "M10P0564", "mr10p0564", "MR10P0564 extra"])
def test_prima_id_shape(prima_id: str) -> None:
    found = check(make(prima_id=prima_id))
    assert ids(found) == ["ids.prima_id_shape"]  # no office finding on a malformed ID
    assert found[0].severity == "warning" and found[0].span == SPANS["prima_id"]


def test_prima_office_not_beneficiary() -> None:
    comoros = make(prima_id="MG10P0004", beneficiaries=[country("COM")])
    (finding,) = check(comoros)
    assert finding.rule == "ids.prima_office_not_beneficiary" and finding.severity == "info"
    assert "MG" in finding.message and "MDG" in finding.message and "COM" in finding.message
    assert finding.span == SPANS["prima_id"]
    pacific = regional(country("FJI"), country("TON"), country("VUT"))
    assert check(pacific) == []  # FJ10P0514: Fiji is among the beneficiaries


def test_prima_office_kosovo_and_no_beneficiaries() -> None:
    assert check(make(prima_id="XK10P0001", beneficiaries=[country("XKX")])) == []
    assert ids(check(make(prima_id="MG10P0004", beneficiaries=[]))) == ["required.missing"]


# --- required fields ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "empty"),
    [
        ("title", None),
        ("title", "   "),
        ("budget_usd", None),
        ("coverage", None),
        ("beneficiaries", []),
        ("project_id", None),
        ("project_id", ""),
    ],
)
def test_required_missing(field: str, empty: Any) -> None:
    project = make(**{field: empty})
    project.provenance.pop(field, None)
    found = check(project)
    assert ids(found) == ["required.missing"]
    assert found[0].field == field and found[0].severity == "warning" and found[0].span is None
    assert found[0].message.startswith(f"{field} is missing")


def test_project_id_not_required_from_2024() -> None:
    assert check(make(project_id=None, year=2024, start_year=2025, end_year=2026)) == []
    assert check(make(project_id=None, year=None, start_year=2024, end_year=2026)) == []
    assert ids(check(make(project_id=None, year=2023))) == ["required.missing"]


def test_every_missing_field_is_reported_once() -> None:
    found = check(Project())
    assert ids(found) == ["required.missing"] * 5
    assert {f.field for f in found} == {"title", "project_id", "budget_usd", "coverage", "beneficiaries"}


def test_lang_is_carried() -> None:
    (finding,) = check(make(title=None), lang="fr")
    assert finding.lang == "fr"


# --- language versions --------------------------------------------------------------------------


def test_check_versions_placeholder_end_year() -> None:
    fr = make(project_id="PR.0230", project_type="migration_research", year=2015, start_year=2015, end_year=2024)
    en = dataclasses.replace(fr, end_year=2017)
    (finding,) = check_versions({"fr": fr, "en": en})
    assert finding.rule == "languages.disagree" and finding.severity == "warning"
    assert finding.field == "end_year"
    assert "fr 2024" in finding.message and "en 2017" in finding.message
    assert "placeholder" in finding.message
    assert finding.source == RULES["languages.disagree"].source


def test_check_versions_without_placeholder_note() -> None:
    en = make()
    fr = dataclasses.replace(en, end_year=2024)
    (finding,) = check_versions({"en": en, "fr": fr})
    assert "placeholder" not in finding.message  # 2025 against 2024: a real disagreement


def test_check_versions_same_values_and_missing_values_agree() -> None:
    en = make()
    assert check_versions({"fr": make(), "en": en, "es": make(budget_usd=300000)}) == []
    assert check_versions({"fr": make(year=None, prima_id=None), "en": en}) == []
    assert check_versions({"en": en}) == []
    assert check_versions({}) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("budget_usd", 200000.0),
        ("year", 2022),
        ("start_year", 2022),
        ("coverage", "regional"),
        ("status", "completed"),
        ("idf_region", "asia_oceania"),
        ("project_id", "IS.0134"),
        ("prima_id", "MR10P0565"),
    ],
)
def test_check_versions_each_field(field: str, value: Any) -> None:
    en = make()
    es = dataclasses.replace(en, **{field: value})
    (finding,) = check_versions({"en": en, "es": es})
    assert finding.field == field
    shown = f"{value:,.0f} USD" if isinstance(value, float) else str(value)
    assert f"es {shown}" in finding.message and "en " in finding.message
    assert finding.message.startswith(f"{field} differs between language versions")


def test_check_versions_eligible_beneficiaries() -> None:
    en = regional(country("FJI"), country("TON"))
    fr = regional(country("FJI"), country("TON", False), country("VUT"))
    (finding,) = check_versions({"fr": fr, "en": en})
    assert finding.field == "beneficiaries"
    assert "fr {FJI, VUT}" in finding.message and "en {FJI, TON}" in finding.message
    same = regional(country("TON"), country("FJI"), country("AUS", False))
    assert check_versions({"fr": same, "en": en}) == []


# --- identity -----------------------------------------------------------------------------------


def test_identity_finding() -> None:
    project = make(project_id=None, prima_id=None, year=2024)
    finding = identity_finding(project, "fallback")
    assert finding is not None
    assert finding.rule == "identity.fallback_key" and finding.severity in ("info", "warning")
    assert "2024" in finding.message
    assert identity_finding(project, "project_id") is None
    assert identity_finding(project, "prima_id") is None


# --- never raises -------------------------------------------------------------------------------

ODD_STRINGS = st.sampled_from(
    [
        "",
        " ",
        "IS.0133",
        "V57-805",
        "MG10P0004",
        "XK10P0001",
        "regional",
        "national",
        "global",
        "interregional",
        "2024",
        "٠١٢٣",
        "\x00",
        "LM.0485",
        "labour_migration",
        "nan",
    ]
)
VALUES = st.one_of(
    st.none(),
    st.integers(),
    st.integers(min_value=1990, max_value=2030),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    ODD_STRINGS,
)
BENEFICIARIES = st.one_of(
    st.none(),
    st.lists(
        st.builds(
            Beneficiary,
            st.one_of(st.sampled_from(["FJI", "TON", "MRT", "COM", "XKX", ""]), st.text(max_size=4)),
            st.text(max_size=8),
            st.booleans(),
        ),
        max_size=6,
    ),
)
SPANS_ST = st.dictionaries(
    st.sampled_from(PROJECT_KEYS), st.builds(Span, st.integers(0, 99), st.integers(0, 99)), max_size=5
)


@st.composite
def projects(draw: st.DrawFn) -> Project:
    values = {key: draw(VALUES) for key in PROJECT_KEYS if key not in ("beneficiaries", "provenance")}
    return Project(**values, beneficiaries=draw(BENEFICIARIES), provenance=draw(SPANS_ST))


@settings(max_examples=300, deadline=None)
@given(projects(), projects(), st.sampled_from([None, "fr", "en", "es"]))
def test_check_never_raises(project: Project, other: Project, lang: str | None) -> None:
    findings = check(project, lang)
    for finding in findings:
        assert finding.severity in SEVERITIES
        assert finding.rule in RULES
        assert finding.message
        assert finding.span is None or finding.span == project.provenance.get(finding.field or "")
        finding.to_dict()
    for finding in check_versions({"fr": project, "en": other}):
        assert finding.severity in SEVERITIES and finding.rule == "languages.disagree"
    identity_finding(project, "fallback")
