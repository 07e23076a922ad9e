"""fundatlas: the IOM Development Fund's project pages as a clean, validated, searchable portfolio.

The pure core::

    from fundatlas import parse_page
    result = parse_page(open("page.html", "rb").read(), path="page.html")
    result.project.budget_usd, result.project.beneficiaries, result.to_dict()

``read_page`` (bytes/HTML to text), ``parse_text`` (text to raw fields with spans) and
``normalize`` (raw fields to a ``Project``) are the three steps ``parse_page`` chains.
"""

from __future__ import annotations

from fundatlas.errors import FundatlasError, PageError, StoreError
from fundatlas.model import Beneficiary, ParseResult, Project, RawField, RawPage, Source, Span
from fundatlas.normalize.project import normalize
from fundatlas.parse import parse_text
from fundatlas.pipeline import parse_page
from fundatlas.read import read_page

__version__ = "0.1.0"

__all__ = [
    "Beneficiary",
    "FundatlasError",
    "PageError",
    "ParseResult",
    "Project",
    "RawField",
    "RawPage",
    "Source",
    "Span",
    "StoreError",
    "__version__",
    "normalize",
    "parse_page",
    "parse_text",
    "read_page",
]
