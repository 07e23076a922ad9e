"""The dashboard's pages, one module per kind of page, and the router that serves them."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from fundatlas.web.static_files import static_response
from fundatlas.web.views.browse import browse
from fundatlas.web.views.common import Site
from fundatlas.web.views.overview import overview
from fundatlas.web.views.places import countries_page, country_page, region_page
from fundatlas.web.views.project import project_iati, project_page
from fundatlas.web.views.quality import quality_page

__all__ = ["Site", "router"]


def router(site: Site) -> APIRouter:
    """Every page and static file of the dashboard (left out of the API's OpenAPI document)."""
    routes = APIRouter(include_in_schema=False)

    @routes.get("/", name="web_overview")
    def _overview(request: Request) -> Response:
        return overview(site, request)

    @routes.get("/projects", name="web_projects")
    def _browse(request: Request) -> Response:
        return browse(site, request)

    @routes.get("/projects/{ref}", name="web_project")
    def _project(request: Request, ref: str) -> Response:
        return project_page(site, request, ref)

    @routes.get("/projects/{ref}/iati.xml", name="web_project_iati")
    def _project_iati(request: Request, ref: str) -> Response:
        return project_iati(site, request, ref)

    @routes.get("/countries", name="web_countries")
    def _countries(request: Request) -> Response:
        return countries_page(site, request)

    @routes.get("/countries/{iso3}", name="web_country")
    def _country(request: Request, iso3: str) -> Response:
        return country_page(site, request, iso3)

    @routes.get("/regions/{code}", name="web_region")
    def _region(request: Request, code: str) -> Response:
        return region_page(site, request, code)

    @routes.get("/quality", name="web_quality")
    def _quality(request: Request) -> Response:
        return quality_page(site, request)

    @routes.get("/static/{path:path}", name="web_static")
    def _static(request: Request, path: str) -> Response:
        return static_response(request, path)

    return routes
