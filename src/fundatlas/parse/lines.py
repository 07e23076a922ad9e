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


def split_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    append = lines.append
    position = 0
    for raw in text.split("\n"):
        stripped = raw.lstrip()
        content = stripped.rstrip()
        indent = len(raw) - len(stripped)
        start = position + indent
        position += len(raw) + 1
        if not content:
            append(Line(start, start, "", indent, False, ""))
            continue
        bullet = False
        if content[0] in BULLETS and (len(content) == 1 or content[1] in " \t"):
            rest = content[1:].lstrip()
            start += len(content) - len(rest)
            content = rest
            bullet = True
        key = label_key(content) if len(content) <= MAX_KEY_LENGTH else ""
        append(Line(start, start + len(content), content, indent, bullet, key))
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
