"""``/countries``, ``/countries/{iso3}`` and ``/regions/{code}``: projects, totals and a timeline per place."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from fundatlas.query import NotFound, Page, SearchFilters
from fundatlas.query.filters import REGIONS
from fundatlas.web import charts
from fundatlas.web.render import render
from fundatlas.web.state import url
from fundatlas.web.views.common import Site, error_page, rows, translator

#: Projects listed on a region page (the rest are one click away on the browse page).
REGION_LIST = 50


def countries_page(site: Site, request: Request) -> Response:
    t = translator(request)
    countries = site.portfolio.countries()
    countries.sort(key=lambda c: t.country(c["key"]))
    return render(request, "countries.html", t, {"title": t("countries.title"), "countries": countries})


def country_page(site: Site, request: Request, iso3: str) -> Response:
    t = translator(request)
    code = iso3.upper()
    if len(code) != 3 or not code.isalpha():
        return error_page(request, t, 404, t("error.no_country", code=iso3))
    try:
        country = site.portfolio.country(code)
    except NotFound:
        return error_page(request, t, 404, t("error.no_country", code=code))
    context = {
        "title": t.country(code),
        "country": country,
        "items": rows(country["items"], t),
        "timeline": charts.years(country["by_year"]),
        "timeline_rows": country["by_year"],
        "browse_href": url("/projects", [("country", code)], t.lang),
    }
    return render(request, "country.html", t, context)


def region_page(site: Site, request: Request, code: str) -> Response:
    t = translator(request)
    if code not in REGIONS:
        return error_page(request, t, 404, t("error.no_region", code=code))
    portfolio = site.portfolio
    filters = SearchFilters(idf_region=(code,))
    result = portfolio.search(filters, Page(sort="-year", per_page=REGION_LIST))
    by_year = portfolio.stats("year", filters)
    countries = sorted(portfolio.stats("country", filters), key=lambda c: (-c["projects"], c["key"]))
    context = {
        "title": t.code("idf_region", code),
        "code": code,
        "totals": portfolio.totals(filters),
        "items": rows(result["items"], t),
        "total": result["total"],
        "timeline": charts.years(by_year),
        "timeline_rows": [{"year": row["key"], "projects": row["projects"], "usd": row["usd"]} for row in by_year],
        "countries": countries,
        "by_type": portfolio.stats("project_type", filters),
        "browse_href": url("/projects", [("idf_region", code)], t.lang),
    }
    return render(request, "region.html", t, context)
