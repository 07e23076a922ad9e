"""CSV (RFC 4180, UTF-8, a header row, CRLF line ends) of the flat tables, safe to open in a spreadsheet.

Cells: numbers as written by Python (an integral budget without ``.0``), booleans ``true``/``false``,
times ``2024-05-01T12:00:00Z``, null as an empty cell. A text cell that a spreadsheet would run as
a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading
apostrophe (``guard_formula``); numbers are never touched, nor are text cells that are a plain
number (``-5``) or only dashes (``-``, ``--``), which no spreadsheet evaluates to anything harmful.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

from fundatlas.export.base import CHUNK_ROWS, iso_datetime
from fundatlas.export.tables import Table, Value

__all__ = ["csv_chunks", "format_cell", "guard_formula", "write_csv_files"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_HARMLESS = re.compile(r"[+-]?\d+(?:\.\d+)?|-+")


def guard_formula(text: str) -> str:
    """``text`` with a leading apostrophe when a spreadsheet would read it as a formula."""
    if text.startswith(_FORMULA_START) and not _HARMLESS.fullmatch(text):
        return "'" + text
    return text


def format_cell(value: Value) -> str:
    """One cell as CSV text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return iso_datetime(value)
    return guard_formula(value)


class _Encoder:
    """Rows to CSV text through the csv module (quoting only where needed, CRLF line ends)."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")

    def row(self, values: Iterable[Value]) -> None:
        self.writer.writerow([format_cell(value) for value in values])

    def take(self) -> bytes:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text.encode("utf-8")


def csv_chunks(table: Table, details: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """One table as CSV bytes, streamed: the header, then the rows of each project in turn."""
    encoder = _Encoder()
    encoder.row(table.header)
    pending = 0
    for detail in details:
        for row in table.rows(detail):
            encoder.row(row)
            pending += 1
        if pending >= CHUNK_ROWS:
            yield encoder.take()
            pending = 0
    yield encoder.take()


def write_csv_files(tables: dict[Path, Table], details: Iterable[dict[str, Any]]) -> list[Path]:
    """Several tables to several CSV files in one pass over the projects; returns the paths."""
    with ExitStack() as stack:
        outputs = []
        for path, table in tables.items():
            handle = stack.enter_context(path.open("wb"))
            encoder = _Encoder()
            encoder.row(table.header)
            outputs.append((handle, encoder, table))
        for number, detail in enumerate(details, start=1):
            for handle, encoder, table in outputs:
                for row in table.rows(detail):
                    encoder.row(row)
                if number % CHUNK_ROWS == 0:
                    handle.write(encoder.take())
        for handle, encoder, _ in outputs:
            handle.write(encoder.take())
    return list(tables)
