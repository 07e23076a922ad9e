"""The page text as lines, with the offsets of each line's content."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from fundatlas.model import RawField, Span
from fundatlas.vocab import label_key

#: Characters that start a list item or a separator line ("-", "•").
BULLETS = frozenset("-•*·–—▪◦●")


#: Lines longer than this are never a label, heading or coded value: they get no ``key``.
MAX_KEY_LENGTH = 160


class Line(NamedTuple):
    """One line: its content without indentation, bullet or trailing spaces, and where that lies.

    ``key`` is the folded content used to look labels and words up ("" for long lines).
    """

    start: int
    end: int
    content: str
    indent: int
    bullet: bool
    key: str

    @property
    def is_blank(self) -> bool:
        return not self.content

    @property
    def is_separator(self) -> bool:
        """A line holding only a bullet ("-"), as between label/value pairs."""
        return self.bullet and not self.content

    def field(self) -> RawField:
        return _new(RawField, (self.content, _new(Span, (self.start, self.end))))


#: What a NamedTuple's own ``__new__`` calls, without that Python-level call in front: for the
#: tuples made once per line or field.
_new = tuple.__new__
#: Lines up to this long have their shape cached: labels, navigation and boilerplate recur from
#: page to page, long description paragraphs do not.
MAX_CACHED_LINE = 200


def _line_shape(raw: str) -> tuple[int, str, int, bool, str]:
    """What one raw line holds, wherever it sits: (offset of its content in ``raw``, content,
    indentation, bullet, key)."""
    content = raw.strip()
    if not content:
        return 0, "", len(raw), False, ""
    indent = len(raw) - len(raw.lstrip())
    offset = indent
    bullet = False
    if content[0] in BULLETS and (len(content) == 1 or content[1] in " \t"):
        rest = content[1:].lstrip()
        offset += len(content) - len(rest)
        content = rest
        bullet = True
    key = label_key(content) if 0 < len(content) <= MAX_KEY_LENGTH else ""
    return offset, content, indent, bullet, key


_cached_line_shape = lru_cache(maxsize=65536)(_line_shape)


def split_lines(text: str) -> list[Line]:
    """The lines of ``text`` (split on ``\\n``) with their content's offsets; runs once per page."""
    lines: list[Line] = []
    append = lines.append
    position = 0
    for raw in text.split("\n"):
        size = len(raw)
        offset, content, indent, bullet, key = (
            _cached_line_shape(raw) if size <= MAX_CACHED_LINE else _line_shape(raw)
        )
        start = position + offset
        append(_new(Line, (start, start + len(content), content, indent, bullet, key)))
        position += size + 1
    return lines


def sub_field(line: Line, begin: int, end: int | None = None) -> RawField | None:
    """The part ``content[begin:end]`` of a line, trimmed, with its span; None when empty."""
    piece = line.content[begin:end]
    lead = len(piece) - len(piece.lstrip(" \t|:"))
    piece = piece.strip(" \t|:")
    if not piece:
        return None
    start = line.start + begin + lead
    return _new(RawField, (piece, _new(Span, (start, start + len(piece)))))
