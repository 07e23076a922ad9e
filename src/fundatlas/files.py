"""Finding and reading page files (the I/O edge of ``fundatlas parse``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from fundatlas.model import ParseResult, Source
from fundatlas.pipeline import parse_page

PAGE_SUFFIXES = frozenset({".txt", ".html", ".htm"})


def expand_paths(paths: list[Path]) -> Iterator[Path]:
    """Each path as given; folders are walked recursively, page files in sorted order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES)
        else:
            yield path


def parse_file(path: Path) -> ParseResult:
    """Parse one file; a file that cannot be read gives a result with the reason in ``errors``."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        result = ParseResult(source=Source(sha256=None, path=str(path)))
        result.errors.append(f"{path}: cannot be read ({exc.strerror or exc})")
        return result
    return parse_page(data, path=str(path))
