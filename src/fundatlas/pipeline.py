"""One page in, one result out: read -> parse -> normalize, never raising."""

from __future__ import annotations

import hashlib

from fundatlas.model import ParseResult, Source
from fundatlas.normalize.project import normalize
from fundatlas.parse import parse_text
from fundatlas.read import read_page

#: Share of control characters above which input is taken for binary data, not a page.
BINARY_CONTROL_SHARE = 0.05
#: Control bytes that do not occur in text (tab, newlines, form feed excepted).
_CONTROL_BYTES = bytes(b for b in range(32) if chr(b) not in "\t\n\r\f\v")


def _binary_reason(data: bytes) -> str | None:
    head = data[:8192]
    if not head:
        return None
    if head.startswith(b"%PDF"):
        return "a PDF document, not a page"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary data (NUL bytes), not a page"
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if controls / len(head) > BINARY_CONTROL_SHARE:
        return "binary data, not a page"
    return None


def parse_page(data: bytes | str, *, path: str | None = None, url: str | None = None) -> ParseResult:
    """Parse one page (bytes, text or HTML) into a ``ParseResult``; never raises.

    Spans in ``project.provenance`` refer to the decoded input: the text itself, or for HTML
    input the HTML source.
    """
    raw_bytes = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    source = Source(sha256=hashlib.sha256(raw_bytes).hexdigest(), path=path, url=url)
    result = ParseResult(source=source)
    try:
        if isinstance(data, bytes):
            reason = _binary_reason(data)
            if reason is not None:
                result.errors.append(reason)
                return result
        page_text = read_page(data)
        source.encoding, source.is_html = page_text.encoding, page_text.is_html
        result.text = page_text.source
        result.warnings.extend(page_text.warnings)
        if not page_text.text.strip():
            result.warnings.append("the page is empty")
            return result
        raw = parse_text(page_text.text, title_hint=page_text.title_hint, url=url)
        source.lang, source.layout = raw.lang, raw.layout
        result.warnings.extend(raw.warnings)
        if not raw.is_project:
            return result
        project, warnings = normalize(raw)
        if page_text.is_html:
            project.provenance = page_text.source_spans(project.provenance)
        result.is_project = True
        result.project = project
        result.warnings.extend(warnings)
    except Exception as exc:  # the promise is one result per input, whatever the input
        result.errors.append(f"internal error while parsing: {type(exc).__name__}: {exc}")
        result.is_project = False
        result.project = None
    return result
