"""JSON answers rendered once, as bytes, with orjson (no Pydantic on the hot paths)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

#: Times in the store are UTC without a zone: they are written with a ``Z``.
_OPTIONS = orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS  # SQLAlchemy keys are str subclasses


def dumps(value: Any) -> bytes:
    """``value`` as JSON bytes (datetimes as RFC 3339 UTC, NaN as null)."""
    return orjson.dumps(value, option=_OPTIONS)


class JSONBytes(Response):
    """A JSON response; ``content`` may be the bytes already rendered, or any value orjson can write."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return content if isinstance(content, bytes) else dumps(content)
