"""Page text to raw fields: layout detection and one reader per layout.

``parse_text`` is pure: it takes the page's text and returns a ``RawPage`` holding the words as
written on the page, each with the span it was read from.
"""

from __future__ import annotations

from fundatlas.model import RawPage
from fundatlas.parse.fields import parse_fields
from fundatlas.parse.language import detect_language
from fundatlas.parse.lines import split_lines
from fundatlas.parse.table import find_header, parse_table
from fundatlas.parse.values import parse_values

__all__ = ["parse_text"]


def parse_text(text: str, *, title_hint: str | None = None, url: str | None = None) -> RawPage:
    """Read a page's text: its layout (``fields``, ``table``, ``values`` or None), fields and language."""
    lines = split_lines(text)
    page = RawPage()
    header = find_header(lines)
    # A field block above the closing table (or no table at all) makes a ``fields`` page; rows
    # that look like labels inside or below the table belong to the table.
    if parse_fields(lines, page, title_hint, before=header[0] if header else None):
        parse_table(lines, page, header, fill_only=True)
    elif not parse_table(lines, page, header, title_hint=title_hint):
        parse_values(lines, page)
    page.lang = detect_language(text, lines, page, url)
    return page
