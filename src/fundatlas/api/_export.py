"""``GET /api/export/{format}``: the selection in a download format, streamed, over ``fundatlas.export``.

The formats and their writers belong to ``fundatlas.export`` (``export(portfolio, fmt, filters, sort=,
table=) -> Export`` with ``media_type``, ``filename`` and ``chunks()``); this endpoint maps the filters,
reads the first chunk before answering (so that a failure is a JSON error, not a cut download) and
streams the rest with a ``Content-Disposition`` file name.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from fundatlas.api._context import Context
from fundatlas.api._models import ErrorMessage
from fundatlas.api._params import Sort
from fundatlas.api.routes import UNAVAILABLE, Filters
from fundatlas.export import FORMATS, Export, ExportError, export

router = APIRouter(prefix="/api", responses=UNAVAILABLE)

#: The tables of the csv format (``fundatlas.export.TABLES``; a test keeps them equal).
CsvTable = Literal["projects", "beneficiaries", "findings"]


def _disposition(filename: str) -> str:
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in filename) or "export"
    return f'attachment; filename="{safe}"'


def _start(result: Export) -> tuple[bytes, Iterator[bytes]]:
    chunks = result.chunks()
    return next(chunks, b""), chunks


#: One media type per format (parameters such as charset left out, as OpenAPI keys them).
_MEDIA_TYPES: dict[str, dict[str, object]] = {item.media_type.split(";")[0].strip(): {}
                for item in FORMATS.values()}


@router.get("/export/{format}", tags=["exports"], summary="Download the selection", response_class=StreamingResponse,
            responses={200: {"description": "The file, as an attachment; its media type depends on the format: "
                             + ", ".join(f"{name}: {item.media_type}" for name, item in FORMATS.items()),
                             "content": _MEDIA_TYPES},
                       404: {"model": ErrorMessage, "description": "No such format"}})
async def export_selection(
    context: Context,
    filters: Filters,
    format: Annotated[str, Path(description="one of " + ", ".join(FORMATS),
                                json_schema_extra={"enum": list(FORMATS)})],
    sort: Annotated[Sort, Query(description="the projects' order in the file")] = "project_id",
    table: Annotated[CsvTable | None, Query(description="csv only: which table (default projects)")] = None,
) -> StreamingResponse:
    """Every project matching the filters, in ``format``, as an attachment (streamed for the text formats)."""
    if format not in FORMATS:
        raise HTTPException(404, f"no export format {format!r}; known: {', '.join(FORMATS)}")
    try:
        result = await run_in_threadpool(context.deadline.run, lambda: export(context.portfolio, format, filters,
                                                                              sort=sort, table=table))
    except ExportError as exc:
        raise RequestValidationError([{"loc": ("query", "table"), "msg": str(exc), "type": "value_error",
                                       "input": table}]) from exc
    first, rest = await run_in_threadpool(context.deadline.run, lambda: _start(result))  # the rest: no limit
    return StreamingResponse(chain([first], rest), media_type=result.media_type,
                             headers={"Content-Disposition": _disposition(result.filename)})
