"""The rules as data: loading and checking ``vocab/rules.json``, and the tables the README shows."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

import pycountry

from fundatlas.errors import FundatlasError
from fundatlas.model import SEVERITIES
from fundatlas.vocab import load_json

RULES_FILE = "rules.json"
EVIDENCE_LEVELS = ("sourced", "seed", "inferred")
_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}  # error 0 ... info 2


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of ``vocab/rules.json``: what it checks, how sure it is, where it comes from."""

    id: str
    severity: str  # the most severe level the rule reports
    title: str
    evidence: str  # sourced | seed | inferred
    source: str
    fields: tuple[str, ...]
    params: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class _Range:
    min: float | None
    max: float | None


@dataclass(frozen=True, slots=True)
class _Period:
    label: str
    first: int
    last: int | None
    evidence: str
    ceilings: Mapping[str, _Range] | None


# --- loading -----------------------------------------------------------------------------------


@cache
def _data() -> Mapping[str, Any]:
    data: Mapping[str, Any] = load_json(RULES_FILE)
    return data


@cache
def _load_rules() -> Mapping[str, Rule]:
    rules: dict[str, Rule] = {}
    for entry in _data()["rules"]:
        rule = Rule(
            id=str(entry["id"]),
            severity=str(entry["severity"]),
            title=str(entry["title"]),
            evidence=str(entry["evidence"]),
            source=str(entry["source"]),
            fields=tuple(str(name) for name in entry.get("fields", ())),
            params=MappingProxyType(dict(entry.get("params", {}))),
        )
        problem = _rule_problem(rule, rules)
        if problem:
            raise FundatlasError(f"vocab/{RULES_FILE}: rule {rule.id!r}: {problem}")
        rules[rule.id] = rule
    return MappingProxyType(rules)


def _rule_problem(rule: Rule, seen: Mapping[str, Rule]) -> str | None:
    if rule.id in seen:
        return "defined twice"
    if rule.severity not in SEVERITIES:
        return f"severity {rule.severity!r} is not one of {', '.join(SEVERITIES)}"
    if rule.evidence not in EVIDENCE_LEVELS:
        return f"evidence {rule.evidence!r} is not one of {', '.join(EVIDENCE_LEVELS)}"
    if rule.evidence == "inferred" and _RANK[rule.severity] < _RANK[_inferred_max()]:
        return f"built on an inferred fact, so at most {_inferred_max()}"
    for key, value in rule.params.items():
        if "severity" in key and (value not in SEVERITIES or _RANK[value] < _RANK[rule.severity]):
            return f"params.{key} {value!r} is not a severity at most {rule.severity}"
    return None


def _inferred_max() -> str:
    return str(_data().get("inferred_max_severity", "warning"))


#: The rule definitions, by id, in the order of ``vocab/rules.json``.
RULES: Mapping[str, Rule] = _load_rules()


@cache
def _pattern(regex: str) -> re.Pattern[str]:
    return re.compile(regex, re.ASCII)


@cache
def _periods() -> tuple[_Period, ...]:
    periods = []
    for entry in RULES["budget.ceiling"].params["periods"]:
        ceilings = entry.get("ceilings")
        periods.append(
            _Period(
                label=str(entry["label"]),
                first=int(entry["from"]),
                last=None if entry.get("to") is None else int(entry["to"]),
                evidence=str(entry.get("evidence", "inferred")),
                ceilings=None
                if ceilings is None
                else {kind: _Range(limits.get("min"), limits.get("max")) for kind, limits in ceilings.items()},
            )
        )
    return tuple(periods)


@cache
def _alpha2_to_alpha3() -> Mapping[str, str]:
    table = {country.alpha_2: country.alpha_3 for country in pycountry.countries}
    extra = RULES["ids.prima_office_not_beneficiary"].params.get("alpha2_not_in_iso", {})
    table.update({str(alpha2): str(alpha3) for alpha2, alpha3 in extra.items()})
    return MappingProxyType(table)


# --- reading a project's fields defensively ---------------------------------------------------


def _usd(amount: float) -> str:
    return f"{amount:,.0f}" if amount.is_integer() else f"{amount:,.2f}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rule_table_markdown() -> str:
    """The rules as a Markdown table (id, severity, what it checks, evidence, source), for the README."""
    lines = ["| id | severity | what it checks | evidence | source |", "|---|---|---|---|---|"]
    for rule in RULES.values():
        cells = (f"`{rule.id}`", rule.severity, rule.title, rule.evidence, rule.source)
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def _limits(limits: _Range | None) -> str:
    if limits is None or (limits.min is None and limits.max is None):
        return "no ceiling"
    if limits.min is None:
        return f"max {_usd(float(limits.max or 0))}"
    return f"{_usd(float(limits.min))}–{_usd(float(limits.max or 0))}"


def ceiling_table_markdown() -> str:
    """The budget ceilings of ``budget.ceiling`` (USD, per allocation period and coverage) as Markdown."""
    lines = ["| allocation years | national | regional | evidence |", "|---|---|---|---|"]
    for period in _periods():
        ceilings = period.ceilings or {}
        cells = (period.label, _limits(ceilings.get("national")), _limits(ceilings.get("regional")))
        lines.append("| " + " | ".join(cells) + f" | {period.evidence} |")
    return "\n".join(lines) + "\n"
