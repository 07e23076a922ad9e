"""Bytes or HTML to the page text the parser reads, with a map back to the input.

``read_page`` never raises: undecodable bytes fall back to cp1252 then latin-1, and HTML is
reduced to its visible text with selectolax (lexbor), one line per block element. For HTML
input it keeps, for every run of text, where that run sits in the HTML source, so spans found
in the text can be given back as spans of the input.
"""

from __future__ import annotations

import bisect
import codecs
import html
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from selectolax.lexbor import LexborHTMLParser, LexborNode

from fundatlas.model import Span

_HTML_START = re.compile(
    r"\s*(?:<!doctype\s+html|<html|<head|<body|<!--|<meta|<div|<main|<article|<section|<p\b|<h[1-6]\b|<table|<ul\b)",
    re.I,
)
_HTML_ANYWHERE = re.compile(r"<(?:html|body)\b[^>]*>", re.I)
_WS = re.compile(r"[ \t\n\r\f\v\u00a0\u200b]+")

#: Elements whose text is never shown, dropped with their content.
_HIDDEN = [
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "iframe",
    "object",
    "head",
    "nav",
    "footer",
    "button",
    "form",
]
#: Elements hidden from sight (screen-reader text, skip links).
_HIDDEN_SELECTOR = ".visually-hidden, .sr-only, .element-invisible, .skip-link, [hidden]"
_HIDDEN_MARKERS = ("visually-hidden", "sr-only", "element-invisible", "skip-link", " hidden")
#: Elements that start a new line of text.
_BLOCKS = frozenset(
    (
        "address article aside blockquote body caption dd details dialog div dl dt fieldset figcaption figure "
        "h1 h2 h3 h4 h5 h6 header hgroup hr html li main ol option p pre section summary table tbody tfoot thead tr ul"
    ).split()
)
_CELLS = frozenset({"td", "th"})
#: UTF-8 with bad bytes stays UTF-8 when it has this many valid non-ASCII characters per bad one.
MIN_GOOD_PER_BAD = 3
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class TextRun(NamedTuple):
    """A run of page text copied from the input at ``source_start`` (exact when ``exact``)."""

    text_start: int
    length: int
    source_start: int
    source_length: int
    exact: bool


@dataclass(slots=True)
class PageText:
    """The text the parser reads, and how it relates to the decoded input."""

    text: str
    source: str
    encoding: str
    is_html: bool = False
    title_hint: str | None = None
    runs: list[TextRun] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    _starts: list[int] = field(default_factory=list, repr=False)

    def source_span(self, span: Span) -> Span:
        """Map a span of ``text`` to the span of the decoded input it came from."""
        if not self.is_html or not self.runs:
            return span
        return Span(self._source_offset(span.start, end=False), self._source_offset(span.end, end=True))

    def _source_offset(self, offset: int, *, end: bool) -> int:
        if len(self._starts) != len(self.runs):
            self._starts = [run.text_start for run in self.runs]
        starts = self._starts
        index = bisect.bisect_right(starts, offset - 1 if end else offset) - 1
        if index < 0:
            return self.runs[0].source_start
        run = self.runs[index]
        inside = min(max(offset - run.text_start, 0), run.length)
        if run.exact:
            return run.source_start + inside
        # Character references or collapsed spaces: scale into the source run.
        return run.source_start + round(inside * run.source_length / max(run.length, 1))


def decode(data: bytes) -> tuple[str, str, str | None]:
    """Decode page bytes: a BOM, else UTF-8, else cp1252, else latin-1 (never fails).

    Returns the text, the encoding and a warning (or None). UTF-8 with a few bad bytes (a file
    cut inside a character, a stray byte) stays UTF-8, the bad bytes replaced, with a warning;
    text whose non-ASCII bytes are mostly not UTF-8 is read as cp1252.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding, None
            except UnicodeDecodeError:
                break
    try:
        return data.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError:
        pass
    replaced = data.decode("utf-8", "replace")
    bad = replaced.count("\ufffd")
    good = sum(1 for char in replaced if char > "\x7f" and char != "\ufffd")
    if good >= MIN_GOOD_PER_BAD * bad:
        return replaced, "utf-8", f"{bad} byte sequence(s) were not valid UTF-8 and were replaced (file cut short?)"
    try:
        return data.decode("cp1252"), "cp1252", None
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1", None


def looks_like_html(text: str) -> bool:
    """True for markup: a page that starts with a tag or holds an ``<html>``/``<body>`` element."""
    return bool(_HTML_START.match(text[:512])) or bool(_HTML_ANYWHERE.search(text[:4096]))


def read_page(data: bytes | str) -> PageText:
    """Decode ``data`` and reduce HTML to visible text; plain text passes through unchanged."""
    warning = None
    if isinstance(data, bytes):
        source, encoding, warning = decode(data)
    else:
        source, encoding = data, "str"
    warnings = [warning] if warning else []
    if not looks_like_html(source):
        return PageText(text=source, source=source, encoding=encoding, warnings=warnings)
    try:
        page = html_to_text(source, encoding)
    except Exception as exc:  # selectolax is robust; keep the promise of never raising anyway
        return PageText(text=source, source=source, encoding=encoding, warnings=[*warnings, f"HTML unreadable ({exc})"])
    page.warnings[:0] = warnings
    return page


def _block_and_cell(element: LexborNode) -> tuple[int, int]:
    """The nearest block element at or above ``element``, and the table cell on the way (ids)."""
    cell = 0
    current: LexborNode | None = element
    while current is not None:
        tag = current.tag
        if tag in _CELLS and not cell:
            cell = current.mem_id
        elif tag in _BLOCKS:
            return current.mem_id, cell
        current = current.parent
    return 0, cell


def _locate(source: str, cursor: int, piece: str) -> tuple[int, int]:
    """Where ``piece`` (decoded text) sits in the source: escaped forms, then a loose match."""
    for escaped in _escapes(piece):
        found = source.find(escaped, cursor)
        if found >= 0:
            return found, len(escaped)
    return _locate_loosely(source, cursor, piece)


def _escapes(piece: str) -> tuple[str, ...]:
    """How an HTML writer may have escaped ``piece`` (Drupal writes ' as &#039;)."""
    plain = html.escape(piece, quote=False)
    return (plain, plain.replace('"', "&quot;").replace("'", "&#039;"), html.escape(piece))


def _locate_loosely(source: str, cursor: int, piece: str) -> tuple[int, int]:
    """Find ``piece`` in the source allowing character references and runs of spaces."""
    pattern = []
    for char in piece[:200]:
        if char == " ":
            pattern.append(r"(?:\s|&nbsp;|&#160;|&#xa0;)+")
        elif char.isalnum():
            pattern.append(f"(?:{re.escape(char)}|&#?\\w+;)")
        else:
            pattern.append(f"(?:{re.escape(char)}|&#?\\w+;|<[^>]*>)")
    match = re.compile("".join(pattern), re.I).search(source, cursor)
    if match is None:
        return cursor, 0
    return match.start(), match.end() - match.start()


def _needs_collapse(text: str) -> bool:
    return "  " in text or "\n" in text or "\t" in text or "\r" in text or "\u00a0" in text


def html_to_text(source: str, encoding: str = "str") -> PageText:
    """Visible text of an HTML page, one line per block element, cells joined by `` | ``.

    Each run of text is found in the source as it goes (the cursor only moves forward), so a
    span of the text maps back to the HTML source exactly, or, for text written with character
    references, to the run that holds it.
    """
    tree = LexborHTMLParser(source)
    headings = tree.tags("h1") if "<h1" in source or "<H1" in source else []
    title_hint = " ".join(headings[0].text(deep=True).split()) if headings else None
    tree.strip_tags(_HIDDEN)
    if any(marker in source for marker in _HIDDEN_MARKERS):
        for hidden in tree.css(_HIDDEN_SELECTOR):
            hidden.decompose()
    root = tree.body or tree.root
    if root is None:
        return PageText(text="", source=source, encoding=encoding, is_html=True, title_hint=title_hint)
    parts: list[str] = []
    runs: list[TextRun] = []
    append, add_run, find = parts.append, runs.append, source.find
    blocks: dict[int, tuple[int, int]] = {}
    length = cursor = 0
    line_has_text = pending_space = False
    last_block = last_cell = -1
    for node in root.traverse(include_text=True):
        if node.tag != "-text":
            if node.tag == "br" and line_has_text:
                append("\n")
                length += 1
                line_has_text = pending_space = False
            continue
        raw = node.text_content
        if not raw:
            continue
        stripped = raw.strip()
        if not stripped:  # whitespace between tags: at most a space
            pending_space = True
            continue
        parent = node.parent
        parent_id = parent.mem_id if parent is not None else 0
        where = blocks.get(parent_id)
        if where is None:
            where = blocks[parent_id] = _block_and_cell(parent) if parent is not None else (0, 0)
        block, cell = where
        if block != last_block:
            if line_has_text:
                append("\n")
                length += 1
                line_has_text = False
            last_block, last_cell, pending_space = block, cell, False
        elif cell != last_cell:
            if line_has_text:
                append(" | ")
                length += 3
            last_cell, pending_space = cell, False
        if line_has_text and (pending_space or raw[0].isspace()):
            append(" ")
            length += 1
        piece = " ".join(stripped.split()) if _needs_collapse(stripped) else stripped
        size = len(piece)
        found = find(piece, cursor)
        if found >= 0:
            add_run(TextRun(length, size, found, size, True))
            cursor = found + size
        else:
            start, source_size = _locate(source, cursor, piece)
            add_run(TextRun(length, size, start, source_size, False))
            cursor = start + source_size
        append(piece)
        length += size
        line_has_text = True
        pending_space = raw[-1].isspace()
    return PageText(
        text="".join(parts),
        source=source,
        encoding=encoding,
        is_html=True,
        title_hint=title_hint or None,
        runs=runs,
    )
