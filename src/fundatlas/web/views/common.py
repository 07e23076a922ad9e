"""What every page view shares: the portfolio, the page language, error pages, project summaries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from fundatlas.query import Portfolio
from fundatlas.rules import RULES
from fundatlas.web.cache import PageCache
from fundatlas.web.i18n import Translator, messages, negotiate, pick_text
from fundatlas.web.render import render

__all__ = ["Site", "error_page", "project_ref", "row", "rows", "rule_title", "translator"]


@dataclass(frozen=True)
class Site:
    """The dashboard over one portfolio, with its cache of rendered pages."""

    portfolio: Portfolio
    pages: PageCache

    @classmethod
    def over(cls, portfolio: Portfolio) -> Site:
        return cls(portfolio, PageCache(portfolio.data_version))


def translator(request: Request) -> Translator:
    return Translator(negotiate(request.query_params.get("lang"), request.headers.get("accept-language")))


def error_page(request: Request, t: Translator, status_code: int, message: str) -> Response:
    """A page for 400 (a bad URL: the reason, and a way back) or 404 (no such project or country)."""
    title = t("error.not_found") if status_code == 404 else t("error.bad_request")
    return render(request, "error.html", t, {"title": title, "message": message}, status_code=status_code)


def row(item: Mapping[str, Any], t: Translator) -> dict[str, Any]:
    """A project summary (``Portfolio.search`` item) ready for the results table, in ``t``'s language."""
    texts: Mapping[str, str | None] = item.get("titles") or {}
    chosen = pick_text(texts, t.lang, item.get("languages") or ())
    title, title_lang = chosen if chosen else (item.get("title") or item.get("project_id") or "–", None)
    return {
        "ref": project_ref(item),
        "project_id": item.get("project_id"),
        "title": title,
        "title_lang": title_lang,
        "year": item.get("year") if item.get("year") is not None else item.get("start_year"),
        "budget_usd": item.get("budget_usd"),
        "idf_region": item.get("idf_region"),
        "project_type": item.get("project_type"),
        "status": item.get("status"),
        "countries": list(item.get("countries") or ()),
        "findings": dict(item.get("findings") or {}),
        "snippet": item.get("snippet"),
    }


def project_ref(item: Mapping[str, Any]) -> str:
    """How a project is named in URLs: its project ID, else its PRIMA ID, else its row id."""
    return str(item.get("project_id") or item.get("prima_id") or item["id"])


def rows(items: Iterable[Mapping[str, Any]], t: Translator) -> list[dict[str, Any]]:
    return [row(item, t) for item in items]


def rule_title(rule_id: str, t: Translator) -> str:
    """What a rule checks, in ``t``'s language (the rules file's English title when no translation has it)."""
    translated = messages(t.lang).get(f"rule.{rule_id}")
    if translated:
        return translated
    rule = RULES.get(rule_id)
    return rule.title if rule is not None else rule_id
