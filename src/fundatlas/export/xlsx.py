"""XLSX workbook (openpyxl, write-only mode): sheets projects, beneficiaries and findings.

Cells are typed: numbers as numbers, years and counts as integers, booleans as booleans, times as
dates. Each sheet has a bold, frozen header row, an autofilter over the used range and column widths
from ``tables.Column.width``. Text that starts with ``=`` is stored as a string cell, never as a
formula; characters XML cannot carry are dropped and over-long text is cut at Excel's limit.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from fundatlas.export.tables import TABLES, Table, Value

__all__ = ["write_xlsx", "xlsx_bytes"]

MAX_CELL_TEXT = 32_767  # Excel's limit on the characters in one cell
_BOLD = Font(bold=True)


def _untyped(sheet: WriteOnlyWorksheet) -> Any:
    """The sheet for the attributes openpyxl gives write-only sheets at run time but its stubs omit."""
    return sheet


def _cell(sheet: WriteOnlyWorksheet, value: Value) -> Any:
    if not isinstance(value, str):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_TEXT]
    if not text.startswith("="):
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # openpyxl would otherwise store it as a formula
    return cell


def _sheet(workbook: Workbook, table: Table) -> WriteOnlyWorksheet:
    sheet = workbook.create_sheet(table.name)
    assert isinstance(sheet, WriteOnlyWorksheet)
    sheet.freeze_panes = "A2"
    dimensions = _untyped(sheet).column_dimensions
    for number, column in enumerate(table.columns, start=1):
        dimensions[get_column_letter(number)].width = column.width
    header = []
    for name in table.header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = _BOLD
        header.append(cell)
    sheet.append(header)
    return sheet


def write_xlsx(details: Iterable[dict[str, Any]], target: str | Path | IO[bytes]) -> None:
    """The three tables of ``details`` as a workbook written to ``target`` (a path or a binary file)."""
    workbook = Workbook(write_only=True)
    sheets = [(table, _sheet(workbook, table)) for table in TABLES.values()]
    counts = [0] * len(sheets)
    for detail in details:
        for number, (table, sheet) in enumerate(sheets):
            for row in table.rows(detail):
                sheet.append([_cell(sheet, value) for value in row])
                counts[number] += 1
    for (table, sheet), count in zip(sheets, counts, strict=True):
        _untyped(sheet).auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{count + 1}"
    workbook.save(target)


def xlsx_bytes(details: Iterable[dict[str, Any]]) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(details, buffer)
    return buffer.getvalue()
