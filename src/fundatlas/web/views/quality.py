"""``/quality``: the findings of the Fund's rules, by rule, with links to the projects."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from fundatlas.model import SEVERITIES
from fundatlas.rules import RULES
from fundatlas.web.render import render
from fundatlas.web.state import url
from fundatlas.web.views.common import Site, error_page, project_ref, rule_title, translator

#: Findings listed per rule on the page.
MAX_FINDINGS = 2000


def quality_page(site: Site, request: Request) -> Response:
    t = translator(request)
    severity = request.query_params.get("severity") or None
    if severity is not None and severity not in SEVERITIES:
        return error_page(request, t, 400, t("error.bad_severity", value=severity))
    result = site.portfolio.findings(severity=severity, limit=MAX_FINDINGS)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for item in result["items"]:
        grouped.setdefault(item["rule"], []).append({**item, "ref": project_ref(item | {"id": item["project"]})})
    counts: dict[str, dict[str, int]] = {}
    for entry in result["by_rule"]:
        counts.setdefault(entry["rule"], {})[entry["severity"]] = entry["count"]
    rules: list[dict[str, Any]] = []
    for rule_id in [*RULES, *sorted(set(counts) - set(RULES))]:
        rule = RULES.get(rule_id)
        found = counts.get(rule_id, {})
        rules.append(
            {
                "id": rule_id,
                "anchor": "rule-" + rule_id.replace(".", "-"),
                "title": rule_title(rule_id, t),
                "severity": rule.severity if rule else None,
                "evidence": rule.evidence if rule else None,
                "source": rule.source if rule else None,
                "counts": found,
                "total": sum(found.values()),
                "findings": grouped.get(rule_id, []),
            }
        )
    rules.sort(key=lambda r: (-r["total"], r["id"]))
    context = {
        "title": t("quality.title"),
        "rules": rules,
        "total": result["total"],
        "shown": len(result["items"]),
        "severity": severity,
        "severity_links": [
            {"value": value, "href": url("/quality", [("severity", value)] if value else [], t.lang)}
            for value in ("", *SEVERITIES)
        ],
        "flagged_href": url("/projects", [("has_findings", "any")], t.lang),
    }
    return render(request, "quality.html", t, context)
