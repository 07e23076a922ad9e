"""Snippets: the passage of a project's text that matched a query, with the matched words marked.

Done here, in Python, on the texts of the projects shown (a page of results), rather than by the
database: the same passage and marks on SQLite and PostgreSQL, and no second full-text search.
A word matches as the search matched it (``fundatlas.glossary``): folded, a prefix for ``word*``
and, for a long last word, with an ending; a phrase's words in order. The passage is the window of
``SNIPPET_WORDS`` words holding the most matched words; the text is HTML-escaped and the matched
words are wrapped in ``<mark>``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from fundatlas.glossary import MIN_ENDINGS_LENGTH
from fundatlas.query.terms import ParsedQuery
from fundatlas.text import fold

SNIPPET_WORDS = 16
ELLIPSIS = "…"
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Pattern:
    """One spelling to look for: its words, and whether its last word is a prefix."""

    words: tuple[str, ...]
    prefix: bool

    def at(self, folded: list[str], position: int) -> bool:
        end = position + len(self.words)
        if end > len(folded):
            return False
        last = len(self.words) - 1
        for n, word in enumerate(self.words):
            found = folded[position + n]
            if not (found.startswith(word) if n == last and self.prefix else found == word):
                return False
        return True


def patterns(query: ParsedQuery) -> list[Pattern]:
    """Every spelling of every positive term of ``query``."""
    found = []
    for group in query.groups:
        for term in group:
            if term.negated:
                continue
            for words in term.alternatives:
                prefix = term.prefix or (term.endings and len(words[-1]) >= MIN_ENDINGS_LENGTH)
                found.append(Pattern(words, prefix))
    return found


def snippet(texts: Iterable[str], found: list[Pattern]) -> str | None:
    """The best passage of the first of ``texts`` with a match, as HTML; None when none matches."""
    firsts = {pattern.words[0] for pattern in found}
    for text in texts:
        if not text:
            continue
        folded_text = fold(text)
        if not any(first in folded_text for first in firsts):
            continue
        passage = _passage(text, found)
        if passage is not None:
            return passage
    return None


def _passage(text: str, found: list[Pattern]) -> str | None:
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    words = [text[start:end] for start, end in spans]
    # (an ASCII word, with no space or typographic apostrophe, folds to its lower case)
    folded = [word.lower() if word.isascii() else fold(word) for word in words]
    by_first: dict[str, list[Pattern]] = {}
    prefixes: list[Pattern] = []  # one word, a prefix: any word starting with it
    for pattern in found:
        if pattern.prefix and len(pattern.words) == 1:
            prefixes.append(pattern)
        else:
            by_first.setdefault(pattern.words[0], []).append(pattern)
    starts = tuple(pattern.words[0] for pattern in prefixes)
    marked: set[int] = set()
    for position, word in enumerate(folded):
        for pattern in by_first.get(word, ()):
            if pattern.at(folded, position):
                marked.update(range(position, position + len(pattern.words)))
        if starts and word.startswith(starts):
            marked.add(position)
    if not marked:
        return None
    first = _best_window(sorted(marked), len(spans))
    last = min(first + SNIPPET_WORDS, len(spans)) - 1
    pieces = [ELLIPSIS] if first > 0 else []
    cursor = spans[first][0]
    for index in range(first, last + 1):
        start, end = spans[index]
        pieces.append(html.escape(text[cursor:start]))
        word = html.escape(text[start:end])
        pieces.append(f"<mark>{word}</mark>" if index in marked else word)
        cursor = end
    if last < len(spans) - 1:
        pieces.append(ELLIPSIS)
    return "".join(pieces)


def _best_window(marked: list[int], count: int) -> int:
    """The first word of the window of ``SNIPPET_WORDS`` words with the most marked words (the
    earliest such window, starting a little before its first match)."""
    best_start, best_hits = marked[0], 0
    right = 0
    for left, position in enumerate(marked):
        while right < len(marked) and marked[right] < position + SNIPPET_WORDS:
            right += 1
        if right - left > best_hits:
            best_start, best_hits = position, right - left
    lead = min(2, best_start)
    return max(0, min(best_start - lead, count - SNIPPET_WORDS))
