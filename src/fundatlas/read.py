"""Bytes or HTML to the page text the parser reads, with a map back to the input.

``read_page`` never raises: undecodable bytes fall back to cp1252 then latin-1, and HTML is
reduced to its visible text with selectolax (lexbor), one line per block element. For HTML
input it keeps, for every run of text, where that run sits in the HTML source, so spans found
in the text can be given back as spans of the input.
"""

from __future__ import annotations

import codecs
import html
import re
from bisect import bisect_right
from collections.abc import Iterator
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

#: Elements whose text is never shown, skipped with their content.
_HIDDEN = frozenset(
    ("script", "style", "noscript", "template", "svg", "iframe", "object", "head", "nav", "footer", "button", "form")
)
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


#: ``TextRun(...)`` without the Python-level ``__new__`` a NamedTuple puts in front of this one.
_new_run = tuple.__new__


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

    def source_spans(self, spans: dict[str, Span]) -> dict[str, Span]:
        """``source_span`` of each span of a provenance map (fields often share a span)."""
        mapped: dict[Span, Span] = {}
        for span in spans.values():
            if span not in mapped:
                mapped[span] = self.source_span(span)
        return {name: mapped[span] for name, span in spans.items()}

    def _source_offset(self, offset: int, *, end: bool) -> int:
        runs, starts = self.runs, self._starts
        if len(starts) != len(runs):
            starts = self._starts = [run.text_start for run in runs]
        index = bisect_right(starts, offset - 1 if end else offset) - 1
        if index < 0:
            return runs[0].source_start
        text_start, length, source_start, source_length, exact = runs[index]
        inside = min(max(offset - text_start, 0), length)
        if exact:
            return source_start + inside
        # Character references or collapsed spaces: scale into the source run.
        return source_start + round(inside * source_length / max(length, 1))


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
    # Bytes that decoded as UTF-8 as they are go to the HTML parser as they are (no re-encoding).
    markup = data if isinstance(data, bytes) and encoding == "utf-8" and warning is None else None
    try:
        page = html_to_text(source, encoding, markup=markup)
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


#: How an element takes part in the page text (other elements run inline).
_HIDDEN_ROLE, _BREAK_ROLE, _BLOCK_ROLE, _CELL_ROLE = range(4)
_ROLES: dict[str | None, int] = {
    **dict.fromkeys(_HIDDEN, _HIDDEN_ROLE),
    "br": _BREAK_ROLE,
    **dict.fromkeys(_BLOCKS, _BLOCK_ROLE),
    **dict.fromkeys(_CELLS, _CELL_ROLE),
}
#: What ``_visible_text`` gives for a ``<br>``.
LINE_BREAK = None


def _visible_text(root: LexborNode) -> Iterator[tuple[str | None, int, int, bool]]:
    """The text under ``root`` in document order: each text node that is not blank, with the ids
    of its block element and of the table cell it sits in (0 for none), and whether blank text
    came before it; ``LINE_BREAK`` for each ``<br>``. Elements that are never shown (``_HIDDEN``)
    are skipped with their content."""
    block, cell = _block_and_cell(root)
    outer: list[tuple[int, int]] = []  # the block and cell ids of each element we are inside
    blank_before = False
    node = root.first_child
    while node is not None:
        text = node.text_content  # None for elements
        if text is not None:
            if text.isspace():
                blank_before = True
            elif text:
                yield text, block, cell, blank_before
                blank_before = False
        else:
            role = _ROLES.get(node.tag)
            if role == _BREAK_ROLE:
                yield LINE_BREAK, block, cell, blank_before
                blank_before = False
            child = node.first_child if role != _HIDDEN_ROLE else None
            if child is not None:
                outer.append((block, cell))
                if role == _BLOCK_ROLE:
                    block, cell = node.mem_id, 0
                elif role == _CELL_ROLE:
                    cell = node.mem_id
                node = child
                continue
        following = node.next
        while following is None and outer:  # a last child: up to the nearest parent with a next
            parent = node.parent
            if parent is None:  # not below ``root`` after all
                break
            node = parent
            block, cell = outer.pop()
            following = node.next
        node = following


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


def html_to_text(source: str, encoding: str = "str", *, markup: bytes | None = None) -> PageText:
    """Visible text of an HTML page, one line per block element, cells joined by `` | ``.

    Each run of text is found in the source as it goes (the cursor only moves forward), so a
    span of the text maps back to the HTML source exactly, or, for text written with character
    references, to the run that holds it. ``markup``, when given, is ``source`` as UTF-8 bytes.
    """
    tree = LexborHTMLParser(source if markup is None else markup)
    headings = tree.tags("h1") if "<h1" in source or "<H1" in source else []
    title_hint = " ".join(headings[0].text(deep=True).split()) if headings else None
    root = _visible_root(tree, source)
    if root is None:
        return PageText(text="", source=source, encoding=encoding, is_html=True, title_hint=title_hint)
    text, runs = _text_and_runs(source, root)
    return PageText(
        text=text,
        source=source,
        encoding=encoding,
        is_html=True,
        title_hint=title_hint or None,
        runs=runs,
    )


def _visible_root(tree: LexborHTMLParser, source: str) -> LexborNode | None:
    """The ``<body>`` (else the root), once the head and the elements hidden by class are removed."""
    head = tree.head
    if head is not None:  # never shown; removing it also makes the parser look again for the
        head.decompose()  # <body> the tree holds (a <frameset> may have taken its place)
    if any(marker in source for marker in _HIDDEN_MARKERS):
        for hidden in tree.css(_HIDDEN_SELECTOR):
            hidden.decompose()
    return tree.body or tree.root


def _text_and_runs(source: str, root: LexborNode) -> tuple[str, list[TextRun]]:
    """The text of ``_visible_text(root)`` laid out in lines, and where each run sits in ``source``."""
    parts: list[str] = []
    runs: list[TextRun] = []
    append, add_run, find = parts.append, runs.append, source.find
    length = cursor = 0
    line_has_text = pending_space = False
    last_block = last_cell = -1
    for raw, block, cell, blank_before in _visible_text(root):
        pending_space = pending_space or blank_before  # whitespace between tags: at most a space
        if raw is LINE_BREAK:
            if line_has_text:
                append("\n")
                length += 1
                line_has_text = pending_space = False
            continue
        stripped = raw.strip()
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
            add_run(_new_run(TextRun, (length, size, found, size, True)))
            cursor = found + size
        else:
            start, source_size = _locate(source, cursor, piece)
            add_run(_new_run(TextRun, (length, size, start, source_size, False)))
            cursor = start + source_size
        append(piece)
        length += size
        line_has_text = True
        pending_space = raw[-1].isspace()
    return "".join(parts), runs
