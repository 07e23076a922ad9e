"""Jinja2 templates (autoescaped) to HTML responses: gzip when the browser takes it, strict headers.

The Content-Security-Policy allows nothing but this server: no inline script runs (the chart data
blocks are ``application/json``), and no request can leave for another host.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response

from fundatlas.web.i18n import LANGUAGES, Translator
from fundatlas.web.state import url

__all__ = [
    "SECURITY_HEADERS",
    "compressed",
    "environment",
    "here",
    "html_response",
    "render",
    "render_html",
    "safe_snippet",
    "static_url",
]

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
#: Below this many bytes gzip is not worth its header.
MIN_GZIP_BYTES = 1024


def safe_snippet(snippet: str | None) -> Markup | None:
    """A search snippet as HTML. The query layer escapes the text and adds only ``<mark>`` tags; this
    trusts exactly that and escapes the whole snippet again if anything else looks like a tag."""
    if snippet is None:
        return None
    bare = snippet.replace("<mark>", "").replace("</mark>", "")
    if "<" in bare or ">" in bare:
        return Markup(escape(snippet))
    return Markup(snippet)


@cache
def _static_digest(path: str) -> str:
    data = resources.files(__package__).joinpath("static", path).read_bytes()
    return hashlib.sha256(data).hexdigest()[:12]


def static_url(path: str) -> str:
    """``/static/<path>?v=<hash of the file>``: cached for a year, refreshed when the file changes."""
    return f"/static/{path}?v={_static_digest(path)}"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("fundatlas.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(static_url=static_url, url=url, languages=LANGUAGES, safe_snippet=safe_snippet)
    return env


def compressed(request: Request, body: bytes) -> tuple[bytes, dict[str, str]]:
    """``body`` gzipped when the request accepts gzip and it is worth it, with the headers to send."""
    headers = {"Vary": "Accept-Encoding"}
    if len(body) >= MIN_GZIP_BYTES and "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return gzip.compress(body, compresslevel=6, mtime=0), headers
    return body, headers


def html_response(request: Request, html: str, status_code: int = 200) -> Response:
    body, headers = compressed(request, html.encode("utf-8"))
    headers.update(SECURITY_HEADERS)
    headers["Cache-Control"] = "no-cache"
    return Response(body, status_code=status_code, headers=headers, media_type="text/html; charset=utf-8")


def here(request: Request) -> list[tuple[str, str]]:
    """The current URL's parameters less ``lang`` (the language switcher keeps them)."""
    return [(name, value) for name, value in request.query_params.multi_items() if name != "lang"]


def render_html(
    request: Request, template: str, t: Translator, context: Mapping[str, Any], status_code: int = 200
) -> str:
    """``template`` rendered in ``t``'s language, for the current URL."""
    return (
        environment()
        .get_template(template)
        .render(t=t, lang=t.lang, request_path=request.url.path, here=here(request), status_code=status_code, **context)
    )


def render(
    request: Request,
    template: str,
    t: Translator,
    context: Mapping[str, Any],
    status_code: int = 200,
) -> Response:
    """Render ``template`` in ``t``'s language, as a response."""
    return html_response(request, render_html(request, template, t, context, status_code), status_code)
