"""``/projects/{ref}``: one project: every field, its languages side by side, beneficiaries,
findings, sources and snapshot history, and its IATI XML."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from fundatlas.query import NotFound
from fundatlas.web.exports import iati_document, iati_view
from fundatlas.web.i18n import Translator, pick_text
from fundatlas.web.render import render
from fundatlas.web.views.common import Site, error_page, project_ref, rule_title, translator


def project_page(site: Site, request: Request, ref: str) -> Response:
    t = translator(request)
    try:
        project = site.portfolio.project(ref)
    except NotFound:
        return error_page(request, t, 404, t("error.no_project", ref=ref))
    texts: dict[str, dict[str, Any]] = project["texts"]
    order = [t.lang, *[lang for lang in project["languages"] if lang != t.lang], *texts]
    languages = [lang for lang in dict.fromkeys(order) if lang in texts]
    chosen = pick_text({lang: text.get("title") for lang, text in texts.items()}, t.lang, project["languages"])
    title, title_lang = chosen if chosen else (project.get("title") or project.get("project_id") or "–", None)
    iati = iati_view(project, project_ref(project))
    context = {
        "title": title,
        "title_lang": title_lang,
        "project": project,
        "fields": _fields(project, t),
        "texts": [texts[lang] for lang in languages],
        "findings": [_finding(finding, t) for finding in project["findings"]],
        "iati_xml": iati.xml,
        "iati_href": iati.href,
        "iati_notes": iati.notes,
    }
    return render(request, "project.html", t, context)


def _fields(project: dict[str, Any], t: Translator) -> list[tuple[str, str]]:
    years = [project.get(name) for name in ("start_year", "end_year")]
    period = "–".join(str(y) if y is not None else "…" for y in years) if any(y is not None for y in years) else None
    months = project.get("duration_months")
    values: list[tuple[str, str | None]] = [
        ("project_id", project.get("project_id")),
        ("prima_id", project.get("prima_id")),
        ("status", t.code("status", project.get("status"))),
        ("project_type", t.code("project_type", project.get("project_type"))),
        ("idf_region", t.code("idf_region", project.get("idf_region"))),
        ("coverage", t.code("coverage", project.get("coverage"))),
        ("budget_usd", t.usd(project.get("budget_usd"))),
        ("year", str(project["year"]) if project.get("year") is not None else None),
        ("period", period),
        ("duration_months", t("unit.months", count=months) if months is not None else None),
        ("mission", project.get("mission")),
        ("languages", ", ".join(t(f"language.{lang}") for lang in project["languages"])),
        ("version", str(project.get("version"))),
        ("updated_at", t.when(project.get("updated_at"))),
    ]
    return [(t(f"field.{name}"), value if value else t("value.not_stated")) for name, value in values]


def _finding(finding: dict[str, Any], t: Translator) -> dict[str, Any]:
    return {**finding, "rule_title": rule_title(finding["rule"], t)}


def project_iati(site: Site, request: Request, ref: str) -> Response:
    """``/projects/{ref}/iati.xml``: the project as an IATI activity file (the export module's writer)."""
    t = translator(request)
    try:
        project = site.portfolio.project(ref)
    except NotFound:
        return error_page(request, t, 404, t("error.no_project", ref=ref))
    xml, _notes = iati_document(project)
    filename = "fundatlas-iati-" + "".join(c if c.isalnum() or c in "._-" else "_" for c in project_ref(project))
    return Response(
        xml.encode("utf-8"),
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{filename}.xml"', "X-Content-Type-Options": "nosniff"},
    )
