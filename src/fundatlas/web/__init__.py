"""The web dashboard: server-rendered pages over a ``Portfolio``, in French, English and Spanish.

``mount(app, portfolio)`` adds the pages to a FastAPI application (the REST API's, so that
``fundatlas serve`` serves both)::

    /                      overview: totals, budget by year, type and coverage, world map, latest projects
    /projects              browse and search; the query string holds the whole state
    /projects/{ref}        one project (by project ID, PRIMA ID or row id)
    /projects/{ref}/iati.xml   that project as an IATI activity file
    /countries, /countries/{iso3}, /regions/{code}
    /quality               findings of the Fund's rules, by rule
    /static/...            the dashboard's CSS and JavaScript, and vendored files (web-assets/)

Every page takes ``?lang=fr|en|es``. Pages work without JavaScript; scripts only draw the charts
and the map from data embedded in the page. Nothing is loaded from another host. Downloads of a
selection link to the REST API's ``/api/export/{format}`` with the same filter parameters.
"""

from __future__ import annotations

from fastapi import FastAPI

from fundatlas.query import Portfolio
from fundatlas.web.views import Site, router

__all__ = ["mount"]


def mount(app: FastAPI, portfolio: Portfolio) -> None:
    """Serve the dashboard's pages and static files from ``app``, reading ``portfolio``."""
    app.include_router(router(Site.over(portfolio)))
