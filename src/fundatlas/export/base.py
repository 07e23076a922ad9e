"""What every format shares: the selection of projects, the ``Export`` handle, JSON-ready values."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fundatlas.errors import FundatlasError
from fundatlas.query import Portfolio, SearchFilters

__all__ = ["Export", "ExportError", "Selection", "iso_datetime", "jsonable", "utc_now"]

#: How many encoded rows or lines are joined into one chunk of a streamed export.
CHUNK_ROWS = 200


class ExportError(FundatlasError, ValueError):
    """An export cannot be made as asked (unknown format or table, unusable output path)."""


def utc_now() -> datetime:
    """Now, in UTC, to the second, without a zone (as the store keeps times)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def iso_datetime(value: datetime) -> str:
    """A stored UTC time as ISO 8601 with ``Z``, to the second."""
    return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def jsonable(value: Any) -> Any:
    """``value`` with datetimes and dates as ISO strings, tuples as lists (for ``json.dumps``)."""
    if isinstance(value, datetime):
        return iso_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value


@dataclass
class Selection:
    """The projects an export covers: their ids (in export order) and how to read them in full.

    ``details()`` reads the full project records in chunks (``Portfolio.projects_detail``), so a
    streamed export never holds the whole portfolio; ``progress`` is told how many are done.
    """

    portfolio: Portfolio
    filters: SearchFilters
    ids: list[int]
    generated: datetime
    progress: Callable[[int], None] | None = None

    @classmethod
    def of(cls, portfolio: Portfolio, filters: SearchFilters | None = None, sort: str = "project_id") -> Selection:
        filters = filters or SearchFilters()
        return cls(portfolio, filters, portfolio.matching_ids(filters, sort=sort), utc_now())

    @property
    def total(self) -> int:
        return len(self.ids)

    def details(self) -> Iterator[dict[str, Any]]:
        for done, detail in enumerate(self.portfolio.projects_detail(self.ids), start=1):
            yield detail
            if self.progress is not None:
                self.progress(done)

    def header(self) -> dict[str, Any]:
        """``generated``, ``filters`` and ``total``: what JSON and GeoJSON exports open with."""
        return {"generated": iso_datetime(self.generated), "filters": self.filters.to_dict(), "total": self.total}


@dataclass
class Export:
    """One export, ready to be streamed (``chunks()``), read whole (``content()``) or written (``write``).

    ``streamed`` is true for the text formats, whose ``chunks()`` read the store as they go; the
    binary ones (xlsx, the data package's zip) are built whole, and ``chunks()`` yields them at once.
    ``notes`` collects what a person should know once the export has been produced (projects an
    IATI export had to leave out, for instance).
    """

    format: str
    media_type: str
    filename: str
    streamed: bool
    selection: Selection
    _chunks: Callable[[], Iterator[bytes]]
    _write: Callable[[Path], list[Path]] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many projects the export covers."""
        return self.selection.total

    def chunks(self) -> Iterator[bytes]:
        """The export's bytes, in pieces (for an HTTP response or standard output)."""
        return self._chunks()

    def content(self) -> bytes:
        """The export's bytes, whole."""
        return b"".join(self._chunks())

    def write(self, path: Path) -> list[Path]:
        """Write the export at ``path``; returns the files written (some formats write several)."""
        if self._write is not None:
            return self._write(Path(path))
        return write_chunks(Path(path), self._chunks())

    def on_progress(self, callback: Callable[[int], None] | None) -> None:
        """Call ``callback(projects_done)`` as the projects are read."""
        self.selection.progress = callback


def write_chunks(path: Path, chunks: Iterator[bytes]) -> list[Path]:
    """Write chunks to a file (its folder must exist); returns ``[path]``."""
    if path.is_dir():
        raise ExportError(f"{path} is a folder; give a file name for this format")
    with path.open("wb") as handle:
        for chunk in chunks:
            handle.write(chunk)
    return [path]
