"""JSON and NDJSON: the full project records (``Portfolio.projects_detail``), streamed.

* JSON: ``{"generated": ..., "filters": {...}, "total": N, "projects": [...]}``, one project per line
  inside the array;
* NDJSON: one project per line, nothing else.

Times are ISO 8601 UTC strings (``2024-05-01T12:00:00Z``); text is UTF-8, not escaped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from fundatlas.export.base import CHUNK_ROWS, jsonable

__all__ = ["dumps", "json_chunks", "ndjson_chunks"]


def dumps(value: Any) -> str:
    """Compact JSON of ``value`` (times as ISO strings), UTF-8 text unescaped."""
    return json.dumps(jsonable(value), ensure_ascii=False, separators=(",", ":"))


def _batched(lines: Iterable[str]) -> Iterator[bytes]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= CHUNK_ROWS:
            yield "".join(batch).encode("utf-8")
            batch = []
    if batch:
        yield "".join(batch).encode("utf-8")


def ndjson_chunks(details: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    return _batched(dumps(detail) + "\n" for detail in details)


def json_chunks(header: dict[str, Any], details: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """``header``'s keys, then ``"projects": [...]`` streamed from ``details``."""
    opening = dumps(header)[:-1] + (',"projects":[' if header else '"projects":[')
    yield (opening + "\n").encode("utf-8")

    def lines() -> Iterator[str]:
        for number, detail in enumerate(details):
            yield ("," if number else "") + dumps(detail) + "\n"

    yield from _batched(lines())
    yield b"]}\n"
