"""The Fund's rules, checked against one project or against the language versions of one project.

The rules, their numbers (ceilings per period and coverage, the placeholder end year, the ID
shapes) and their sources live in ``vocab/rules.json``; this module only reads a ``Project`` and
says which rules it breaks. Nothing here raises on odd values: a field of an unexpected type is
treated as not stated.

    from fundatlas.rules import check
    for finding in check(project, lang="fr"):
        print(finding.severity, finding.rule, finding.message)
"""

from __future__ import annotations

from fundatlas.rules.checks import check, check_versions, identity_finding
from fundatlas.rules.data import RULES, Rule, ceiling_table_markdown, rule_table_markdown

__all__ = [
    "RULES",
    "Rule",
    "ceiling_table_markdown",
    "check",
    "check_versions",
    "identity_finding",
    "rule_table_markdown",
]
