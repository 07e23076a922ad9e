"""The page text as lines, with the offsets of each line's content."""

from __future__ import annotations

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
        return RawField(self.content, Span(self.start, self.end))


_new_line = tuple.__new__


def split_lines(text: str) -> list[Line]:
    """The lines of ``text`` (split on ``\\n``) with their content's offsets; runs once per page."""
    lines: list[Line] = []
    append = lines.append
    key_of = label_key
    position = 0
    for raw in text.split("\n"):
        size = len(raw)
        content = raw.strip()
        if not content:
            append(_new_line(Line, (position, position, "", size, False, "")))
            position += size + 1
            continue
        indent = size - len(raw.lstrip())
        start = position + indent
        position += size + 1
        bullet = False
        first = content[0]
        if first in BULLETS and (len(content) == 1 or content[1] in " \t"):
            rest = content[1:].lstrip()
            start += len(content) - len(rest)
            content = rest
            bullet = True
        length = len(content)
        key = key_of(content) if 0 < length <= MAX_KEY_LENGTH else ""
        append(_new_line(Line, (start, start + length, content, indent, bullet, key)))
    return lines


def sub_field(line: Line, begin: int, end: int | None = None) -> RawField | None:
    """The part ``content[begin:end]`` of a line, trimmed, with its span; None when empty."""
    piece = line.content[begin:end]
    lead = len(piece) - len(piece.lstrip(" \t|:"))
    piece = piece.strip(" \t|:")
    if not piece:
        return None
    start = line.start + begin + lead
    return RawField(piece, Span(start, start + len(piece)))
