"""``/projects``: search and browse. The query string is the whole state (see ``state.py``)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from fundatlas.query import FACETS, QueryError
from fundatlas.web.exports import export_links
from fundatlas.web.i18n import Translator
from fundatlas.web.render import render
from fundatlas.web.state import BrowseState, parse_state, url
from fundatlas.web.views.common import Site, error_page, rows, translator

#: Facet values shown before "more" (the rest stay in the page, folded).
FACET_SHOWN = 8
#: Sortable columns: column -> ascending sort key (its descending twin starts with "-").
SORTABLE = {"title": "title", "year": "year", "budget": "budget", "project_id": "project_id"}
_LABELS = {"idf_region": "idf_region", "project_type": "project_type", "status": "status", "coverage": "coverage"}


def browse(site: Site, request: Request) -> Response:
    t = translator(request)
    try:
        state = parse_state(request.query_params.multi_items())
        result = site.portfolio.search(state.filters, state.page)
        facets = site.portfolio.facets(state.filters)
    except QueryError as error:
        return error_page(request, t, 400, str(error))
    total = int(result["total"])
    last_page = max(1, -(-total // state.page.per_page))
    context = {
        "title": t("browse.title"),
        "state": state,
        "total": total,
        "items": rows(result["items"], t),
        "facets": [_facet(state, name, facets.get(name, []), t) for name in FACETS],
        "active": _active_filters(state, t),
        "pages": _pages(state, last_page, t.lang),
        "last_page": last_page,
        "sort_links": _sort_links(state, t.lang),
        "exports": export_links(state.filters),
        "sorts": _sort_choices(state, t),
    }
    return render(request, "browse.html", t, context)


def _value_label(facet: str, value: object, t: Translator) -> str:
    if facet in _LABELS:
        return t.code(_LABELS[facet], None if value is None else str(value))
    if facet == "country":
        return t.country(None if value is None else str(value))
    if facet == "has_findings":
        return t(f"findings.{value}")
    return str(value) if value is not None else t("value.not_stated")


def _facet(state: BrowseState, name: str, values: list[dict[str, Any]], t: Translator) -> dict[str, Any]:
    entries = []
    for entry in values:
        value = entry["value"]
        if value is None or (entry["count"] == 0 and not state.selected(name, value)):
            continue
        entries.append(
            {
                "label": _value_label(name, value, t),
                "count": entry["count"],
                "selected": state.selected(name, value),
                "href": url("/projects", state.toggled(name, value).params(), t.lang),
            }
        )
    if name == "year":
        entries.sort(key=lambda e: e["label"], reverse=True)
    selected_first = [e for e in entries if e["selected"]] + [e for e in entries if not e["selected"]]
    return {
        "name": name,
        "label": t(f"facet.{name}"),
        "shown": selected_first[:FACET_SHOWN],
        "more": selected_first[FACET_SHOWN:],
    }


def _active_filters(state: BrowseState, t: Translator) -> list[dict[str, str]]:
    """Each active filter as a removable chip."""
    chips = []
    filters = state.filters
    if filters.q:
        chips.append(_chip(f"{t('facet.q')}: {filters.q}", state.cleared("q"), t.lang))
    for name in ("idf_region", "project_type", "status", "coverage", "country"):
        for value in getattr(filters, name):
            label = f"{t(f'facet.{name}')}: {_value_label(name, value, t)}"
            chips.append(_chip(label, state.toggled(name, value), t.lang))
    if filters.year_from is not None or filters.year_to is not None:
        span = f"{filters.year_from or '…'}–{filters.year_to or '…'}"
        if filters.year_from == filters.year_to:
            span = str(filters.year_from)
        chips.append(_chip(f"{t('facet.year')}: {span}", state.cleared("year"), t.lang))
    if filters.budget_min is not None or filters.budget_max is not None:
        low = t.usd(filters.budget_min) if filters.budget_min is not None else "…"
        high = t.usd(filters.budget_max) if filters.budget_max is not None else "…"
        chips.append(_chip(f"{t('facet.budget')}: {low}–{high}", state.cleared("budget"), t.lang))
    if filters.has_findings is not None:
        label = f"{t('facet.has_findings')}: {_value_label('has_findings', filters.has_findings, t)}"
        chips.append(_chip(label, state.cleared("has_findings"), t.lang))
    return chips


def _chip(label: str, target: BrowseState, lang: str) -> dict[str, str]:
    return {"label": label, "href": url("/projects", target.params(), lang)}


def _pages(state: BrowseState, last_page: int, lang: str) -> list[dict[str, Any]]:
    """Page links: first, last, and two either side of the current one (``None`` for a gap)."""
    current = state.page.page
    numbers = sorted({1, last_page, *range(max(1, current - 2), min(last_page, current + 2) + 1)})
    out: list[dict[str, Any]] = []
    previous = 0
    for number in numbers:
        if number - previous > 1:
            out.append({"number": None, "href": None, "current": False})
        href = url("/projects", state.params(page=number), lang)
        out.append({"number": number, "href": href, "current": number == current})
        previous = number
    return out


def _sort_links(state: BrowseState, lang: str) -> dict[str, dict[str, str | None]]:
    """For each sortable column: the link that sorts by it (toggling direction) and its aria-sort."""
    links: dict[str, dict[str, str | None]] = {}
    current = state.page.sort
    for column, key in SORTABLE.items():
        ascending_first = column in ("title", "project_id")
        if current == key:
            target, aria = f"-{key}", "ascending"
        elif current == f"-{key}":
            target, aria = key, "descending"
        else:
            target, aria = (key if ascending_first else f"-{key}"), None
        links[column] = {"href": url("/projects", _with_sort(state, target), lang), "aria": aria}
    return links


def _with_sort(state: BrowseState, sort: str) -> list[tuple[str, str]]:
    return [pair for pair in state.params(sort=sort) if pair[0] != "page"]


def _sort_choices(state: BrowseState, t: Translator) -> list[dict[str, Any]]:
    keys = ["-year", "year", "-budget", "budget", "title", "-title", "project_id"]
    if state.filters.q:
        keys.insert(0, "relevance")
    return [{"value": key, "label": t(f"sort.{key}"), "selected": key == state.page.sort} for key in keys]
