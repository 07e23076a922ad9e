"""The dashboard's own and vendored static files, served from the package with gzip and ETags.

Only files that exist under ``static/`` when the server starts can be served (no path is ever
joined from the URL). A request carrying the file's hash (``?v=``, as ``static_url`` writes it) is
cached for a year; any other is revalidated.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.abc import Traversable

from starlette.requests import Request
from starlette.responses import Response

__all__ = ["StaticFile", "static_files", "static_response"]

_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".json": "application/json"}
_COMPRESSIBLE = (".js", ".css", ".json", ".svg", ".txt")


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    gzipped: bytes | None
    media_type: str
    etag: str


def _walk(folder: Traversable, prefix: str) -> dict[str, Traversable]:
    found: dict[str, Traversable] = {}
    for entry in folder.iterdir():
        name = f"{prefix}{entry.name}"
        if entry.is_dir():
            found.update(_walk(entry, f"{name}/"))
        elif entry.is_file():
            found[name] = entry
    return found


@cache
def _index() -> dict[str, Traversable]:
    return _walk(resources.files(__package__).joinpath("static"), "")


@cache
def _load(path: str) -> StaticFile:
    body = _index()[path].read_bytes()
    suffix = "." + path.rsplit(".", 1)[-1] if "." in path else ""
    media_type = _TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"
    gzipped = gzip.compress(body, compresslevel=9, mtime=0) if suffix in _COMPRESSIBLE else None
    return StaticFile(body, gzipped, media_type, '"' + hashlib.sha256(body).hexdigest()[:20] + '"')


def static_files() -> list[str]:
    """Every servable path, relative to ``static/``."""
    return sorted(_index())


def static_response(request: Request, path: str) -> Response:
    if path not in _index():
        return Response("not found", status_code=404, media_type="text/plain")
    item = _load(path)
    headers = {"ETag": item.etag, "Vary": "Accept-Encoding", "X-Content-Type-Options": "nosniff"}
    versioned = bool(request.query_params.get("v"))
    headers["Cache-Control"] = "public, max-age=31536000, immutable" if versioned else "no-cache"
    if request.headers.get("if-none-match") == item.etag:
        return Response(status_code=304, headers=headers)
    body = item.body
    if item.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
        body = item.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(body, headers=headers, media_type=item.media_type)
