"""Downloads: the browse page links its selection to the REST API's ``/api/export/{format}`` (which
takes the same filter parameters), and the project page shows the project's IATI XML, written by
the export module's IATI writer for that one project.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fundatlas.export import FORMATS
from fundatlas.export.base import utc_now
from fundatlas.export.iati import iati_chunks
from fundatlas.query import SearchFilters
from fundatlas.web.state import filter_params, url

__all__ = ["IatiView", "export_links", "iati_document", "iati_view"]


def export_links(filters: SearchFilters) -> list[dict[str, str]]:
    """One link per export format, for exactly the projects the filters select."""
    params = filter_params(filters)
    return [{"format": fmt, "href": url(f"/api/export/{fmt}", params)} for fmt in FORMATS]


@dataclass(frozen=True)
class IatiView:
    """A project's IATI XML (an ``iati-activities`` document holding its one activity), what the
    writer noted (why a project had to be left out), and where to download the same file."""

    xml: str
    notes: tuple[str, ...]
    href: str


def iati_document(project: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    """The IATI writer run on one project record (as ``Portfolio.project`` returns it)."""
    notes: list[str] = []
    xml = b"".join(iati_chunks([project], utc_now(), notes)).decode("utf-8")
    return xml, tuple(notes)


def iati_view(project: dict[str, Any], ref: str) -> IatiView:
    xml, notes = iati_document(project)
    return IatiView(xml, notes, f"/projects/{quote(ref, safe='')}/iati.xml")
