"""``/``: the portfolio at a glance: totals, budget by year, type and coverage, the map, the latest."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from fundatlas.query import Page, SearchFilters
from fundatlas.query.filters import REGIONS
from fundatlas.web import charts
from fundatlas.web.i18n import Translator
from fundatlas.web.render import here, html_response, render_html
from fundatlas.web.state import url
from fundatlas.web.views.common import Site, rows, translator

LATEST = 8


def overview(site: Site, request: Request) -> Response:
    """The overview, rendered once per language, URL and data version."""
    t = translator(request)
    key = ("overview", t.lang, tuple(here(request)))
    return html_response(request, site.pages.page(key, lambda: _render(site, request, t)))


def _render(site: Site, request: Request, t: Translator) -> str:
    portfolio = site.portfolio
    by_year = portfolio.stats("year")
    by_region: dict[str, list[dict[str, Any]]] = {
        region: portfolio.stats("year", SearchFilters(idf_region=(region,))) for region in REGIONS
    }
    by_region["none"] = _remainder(by_year, by_region.values())
    by_type = portfolio.stats("project_type")
    by_coverage = portfolio.stats("coverage")
    countries = sorted(portfolio.countries(), key=lambda c: (-c["usd_share"], c["key"]))

    def browse(name: str) -> Callable[[Any], str]:
        return lambda key: url("/projects", [(name, str(key))], t.lang)

    context = {
        "title": t("overview.title"),
        "totals": portfolio.totals(),
        "by_year": by_year,
        "by_type": by_type,
        "by_coverage": by_coverage,
        "by_region_totals": portfolio.stats("idf_region"),
        "countries": countries,
        "latest": rows(portfolio.search(SearchFilters(), Page(sort="-year", per_page=LATEST))["items"], t),
        "year_chart": charts.stacked_years(by_region, t),
        "type_chart": charts.bars(by_type, lambda k: t.code("project_type", k), browse("project_type")),
        "coverage_chart": charts.bars(by_coverage, lambda k: t.code("coverage", k), browse("coverage")),
        "map_data": charts.world_map(countries, t, lambda iso3: url(f"/countries/{iso3}", (), t.lang)),
    }
    return render_html(request, "overview.html", t, context)


def _remainder(total: list[dict[str, Any]], parts: Iterable[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Per year, what the regions do not account for (projects without a region)."""
    left = {row["key"]: dict(row) for row in total}
    for region_rows in parts:
        for row in region_rows:
            slot = left.get(row["key"])
            if slot is not None:
                slot["usd"] -= row["usd"]
                slot["projects"] -= row["projects"]
    return [row for row in left.values() if row["projects"] > 0]
